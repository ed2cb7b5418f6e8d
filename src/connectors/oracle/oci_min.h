/* The few OCI types, constants and entry points the Oracle connector uses,
 * declared from Oracle's public OCI documentation (Oracle Call Interface
 * Programmer's Guide: "OCI Relational Functions", "Handle and Descriptor
 * Attributes", "Data Types"). No Oracle header is needed to build: the
 * functions are looked up with dlsym() in libclntsh at connect time. */
#ifndef ETLCONN_OCI_MIN_H
#define ETLCONN_OCI_MIN_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned char ub1;
typedef signed char sb1;
typedef uint16_t ub2;
typedef int16_t sb2;
typedef uint32_t ub4;
typedef int32_t sb4;
typedef int32_t sword;
typedef unsigned char OraText;

/* Opaque handles and descriptors. */
typedef struct OCIEnv OCIEnv;
typedef struct OCIError OCIError;
typedef struct OCISvcCtx OCISvcCtx;
typedef struct OCIStmt OCIStmt;
typedef struct OCIDefine OCIDefine;
typedef struct OCIBind OCIBind;
typedef struct OCIParam OCIParam;
typedef struct OCISnapshot OCISnapshot;
typedef struct OCIDateTime OCIDateTime;

/* Return codes. */
#define OCI_SUCCESS 0
#define OCI_SUCCESS_WITH_INFO 1
#define OCI_NO_DATA 100
#define OCI_ERROR (-1)
#define OCI_INVALID_HANDLE (-2)
#define OCI_NEED_DATA 99
#define OCI_STILL_EXECUTING (-3123)

/* Modes. */
#define OCI_DEFAULT 0x00000000u
#define OCI_THREADED 0x00000001u
#define OCI_NTV_SYNTAX 1u
#define OCI_FETCH_NEXT 0x00000002u
#define OCI_DESCRIBE_ONLY 0x00000010u

/* Handle and descriptor types. */
#define OCI_HTYPE_ENV 1u
#define OCI_HTYPE_ERROR 2u
#define OCI_HTYPE_SVCCTX 3u
#define OCI_HTYPE_STMT 4u
#define OCI_DTYPE_PARAM 53u
#define OCI_DTYPE_TIMESTAMP 68u
#define OCI_DTYPE_TIMESTAMP_TZ 69u
#define OCI_DTYPE_TIMESTAMP_LTZ 70u

/* Attributes. */
#define OCI_ATTR_DATA_SIZE 1u
#define OCI_ATTR_DATA_TYPE 2u
#define OCI_ATTR_NAME 4u
#define OCI_ATTR_PRECISION 5u
#define OCI_ATTR_SCALE 6u
#define OCI_ATTR_PREFETCH_ROWS 11u
#define OCI_ATTR_PARAM_COUNT 18u
#define OCI_ATTR_STMT_TYPE 24u
#define OCI_ATTR_CHAR_SIZE 286u

#define OCI_STMT_SELECT 1u

/* External data types (SQLT_*). */
#define SQLT_CHR 1
#define SQLT_NUM 2
#define SQLT_INT 3
#define SQLT_STR 5
#define SQLT_LNG 8
#define SQLT_RID 11
#define SQLT_DAT 12
#define SQLT_BFLOAT 21
#define SQLT_BDOUBLE 22
#define SQLT_BIN 23
#define SQLT_LBI 24
#define SQLT_LVC 94
#define SQLT_LVB 95
#define SQLT_AFC 96
#define SQLT_AVC 97
#define SQLT_IBFLOAT 100
#define SQLT_IBDOUBLE 101
#define SQLT_RDD 104
#define SQLT_CLOB 112
#define SQLT_BLOB 113
#define SQLT_TIMESTAMP 187
#define SQLT_TIMESTAMP_TZ 188
#define SQLT_TIMESTAMP_LTZ 232

/* Character set id of AL32UTF8 (UTF-8) for OCIEnvNlsCreate. */
#define OCI_AL32UTF8_ID 873

/* Entry points, as function pointer types (resolved with dlsym). */
typedef sword (*OCIEnvNlsCreate_fn)(OCIEnv **envp, ub4 mode, void *ctxp, void *(*malocfp)(void *, size_t),
                                    void *(*ralocfp)(void *, void *, size_t), void (*mfreefp)(void *, void *),
                                    size_t xtramemsz, void **usrmempp, ub2 charset, ub2 ncharset);
typedef sword (*OCIHandleAlloc_fn)(const void *parenth, void **hndlpp, ub4 type, size_t xtramem_sz, void **usrmempp);
typedef sword (*OCIHandleFree_fn)(void *hndlp, ub4 type);
typedef sword (*OCIDescriptorAlloc_fn)(const void *parenth, void **descpp, ub4 type, size_t xtramem_sz,
                                       void **usrmempp);
typedef sword (*OCIDescriptorFree_fn)(void *descp, ub4 type);
typedef sword (*OCILogon2_fn)(OCIEnv *envhp, OCIError *errhp, OCISvcCtx **svchp, const OraText *username,
                              ub4 uname_len, const OraText *password, ub4 passwd_len, const OraText *dbname,
                              ub4 dbname_len, ub4 mode);
typedef sword (*OCILogoff_fn)(OCISvcCtx *svchp, OCIError *errhp);
typedef sword (*OCIStmtPrepare2_fn)(OCISvcCtx *svchp, OCIStmt **stmthp, OCIError *errhp, const OraText *stmttext,
                                    ub4 stmt_len, const OraText *key, ub4 keylen, ub4 language, ub4 mode);
typedef sword (*OCIStmtRelease_fn)(OCIStmt *stmtp, OCIError *errhp, const OraText *key, ub4 keylen, ub4 mode);
typedef sword (*OCIStmtExecute_fn)(OCISvcCtx *svchp, OCIStmt *stmtp, OCIError *errhp, ub4 iters, ub4 rowoff,
                                   const OCISnapshot *snap_in, OCISnapshot *snap_out, ub4 mode);
typedef sword (*OCIDefineByPos_fn)(OCIStmt *stmtp, OCIDefine **defnp, OCIError *errhp, ub4 position, void *valuep,
                                   sb4 value_sz, ub2 dty, void *indp, ub2 *rlenp, ub2 *rcodep, ub4 mode);
typedef sword (*OCIBindByPos_fn)(OCIStmt *stmtp, OCIBind **bindp, OCIError *errhp, ub4 position, void *valuep,
                                 sb4 value_sz, ub2 dty, void *indp, ub2 *alenp, ub2 *rcodep, ub4 maxarr_len,
                                 ub4 *curelep, ub4 mode);
typedef sword (*OCIStmtFetch2_fn)(OCIStmt *stmthp, OCIError *errhp, ub4 nrows, ub2 orientation, sb4 fetchOffset,
                                  ub4 mode);
typedef sword (*OCIParamGet_fn)(const void *hndlp, ub4 htype, OCIError *errhp, void **parmdpp, ub4 pos);
typedef sword (*OCIAttrGet_fn)(const void *trgthndlp, ub4 trghndltyp, void *attributep, ub4 *sizep, ub4 attrtype,
                               OCIError *errhp);
typedef sword (*OCIAttrSet_fn)(void *trgthndlp, ub4 trghndltyp, void *attributep, ub4 size, ub4 attrtype,
                               OCIError *errhp);
typedef sword (*OCIErrorGet_fn)(void *hndlp, ub4 recordno, OraText *sqlstate, sb4 *errcodep, OraText *bufp,
                                ub4 bufsiz, ub4 type);
typedef sword (*OCIServerVersion_fn)(void *hndlp, OCIError *errhp, OraText *bufp, ub4 bufsz, ub1 hndltype);
typedef sword (*OCIPing_fn)(OCISvcCtx *svchp, OCIError *errhp, ub4 mode);
typedef sword (*OCIDateTimeGetDate_fn)(void *hndl, OCIError *err, const OCIDateTime *date, sb2 *yr, ub1 *mnth,
                                       ub1 *dy);
typedef sword (*OCIDateTimeGetTime_fn)(void *hndl, OCIError *err, OCIDateTime *datetime, ub1 *hr, ub1 *mm, ub1 *ss,
                                       ub4 *fsec);
typedef sword (*OCIDateTimeGetTimeZoneOffset_fn)(void *hndl, OCIError *err, const OCIDateTime *datetime, sb1 *hr,
                                                 sb1 *mm);

#endif
