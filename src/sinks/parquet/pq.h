/* Parquet writer internals shared by the files of src/sinks/parquet/. */
#ifndef ETLC_PQ_H
#define ETLC_PQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"
#include "etlconn/parquet.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer assumes a little-endian host (PLAIN encoding is little-endian)"
#endif

__extension__ typedef __int128 pq_i128;
__extension__ typedef unsigned __int128 pq_u128;

/* parquet.thrift enums */
enum pq_phys { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4,
               PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6, PQ_FLBA = 7 };
enum pq_converted { PQ_CT_NONE = -1, PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_MAP_KEY_VALUE = 2,
                    PQ_CT_LIST = 3, PQ_CT_ENUM = 4, PQ_CT_DECIMAL = 5, PQ_CT_DATE = 6,
                    PQ_CT_TIME_MILLIS = 7, PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MILLIS = 9,
                    PQ_CT_TIMESTAMP_MICROS = 10, PQ_CT_UINT_8 = 11, PQ_CT_UINT_16 = 12,
                    PQ_CT_UINT_32 = 13, PQ_CT_UINT_64 = 14, PQ_CT_INT_8 = 15, PQ_CT_INT_16 = 16,
                    PQ_CT_INT_32 = 17, PQ_CT_INT_64 = 18, PQ_CT_JSON = 19, PQ_CT_BSON = 20,
                    PQ_CT_INTERVAL = 21 };
enum pq_encoding { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3, PQ_ENC_RLE_DICTIONARY = 8 };
enum pq_codec_id { PQ_CODEC_UNCOMPRESSED = 0, PQ_CODEC_SNAPPY = 1, PQ_CODEC_GZIP = 2,
                   PQ_CODEC_BROTLI = 4, PQ_CODEC_LZ4 = 5, PQ_CODEC_ZSTD = 6, PQ_CODEC_LZ4_RAW = 7 };
enum pq_page_type { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };
/* LogicalType union field ids */
enum pq_logical { PQ_LT_NONE = 0, PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3, PQ_LT_ENUM = 4,
                  PQ_LT_DECIMAL = 5, PQ_LT_DATE = 6, PQ_LT_TIME = 7, PQ_LT_TIMESTAMP = 8,
                  PQ_LT_INTEGER = 10, PQ_LT_NULL = 11, PQ_LT_JSON = 12, PQ_LT_BSON = 13,
                  PQ_LT_UUID = 14, PQ_LT_FLOAT16 = 15 };

/* Longest min/max kept in statistics; longer ones are omitted (not truncated). */
#define PQ_STAT_MAX_LEN 4096

/* How a column is stored, derived from its etlconn type. */
typedef struct pq_layout {
    int phys;          /* enum pq_phys */
    int type_length;   /* FIXED_LEN_BYTE_ARRAY only */
    int converted;     /* enum pq_converted */
    int logical;       /* enum pq_logical */
    int precision, scale;
    bool decimal_int;  /* DECIMAL stored as INT64 / FLBA from its text */
} pq_layout;

void pq_layout_for(const etlc_column_def *def, pq_layout *out);

/* Min/max/null count of a page or chunk. Kind follows the layout:
 * ints (INT32/INT64/BOOLEAN) in i, doubles in d, FLBA decimals in q, byte
 * arrays in bmin/bmax (copied). */
typedef struct pq_stats {
    int64_t null_count;
    bool has_minmax;
    int64_t imin, imax;
    double dmin, dmax;
    pq_i128 qmin, qmax;
    etlc__buf bmin, bmax;
} pq_stats;

void pq_stats_reset(pq_stats *s);
void pq_stats_free(pq_stats *s);
/* Merge `from` into `into` for physical type phys. 0 or -1 (no memory). */
int pq_stats_merge(pq_stats *into, const pq_stats *from, int phys);
/* Encode min and max as Parquet stat bytes; false when they must be omitted. */
bool pq_stats_bytes(const pq_stats *s, const pq_layout *l, uint8_t *minb, size_t *minlen,
                    uint8_t *maxb, size_t *maxlen, const uint8_t **minp, const uint8_t **maxp);
/* Unsigned lexicographic compare. */
int pq_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ---- RLE / bit-packed hybrid ---------------------------------------------- */
unsigned pq_bit_width(uint64_t max_value);
/* Encode n values (each < 2^bw) into out. 0 or -1. */
int pq_rle_encode_u8(etlc__buf *out, const uint8_t *v, size_t n, unsigned bw);
int pq_rle_encode_u32(etlc__buf *out, const uint32_t *v, size_t n, unsigned bw);

/* ---- dictionary -------------------------------------------------------- */
typedef struct pq_dict {
    uint32_t *slots;     /* entry index + 1, 0 = empty */
    size_t nslots;       /* power of two */
    uint64_t *hashes;    /* per entry (byte arrays) */
    uint32_t *offsets;   /* per entry: offset into plain (byte arrays) */
    size_t count, cap;
    etlc__buf plain;     /* the dictionary page body, PLAIN-encoded */
    size_t width;        /* fixed value width (4/8/16) or 0 for byte arrays */
    uint64_t *keys;      /* width 4/8: the value of each slot, compared in place */
    int64_t last;        /* index returned last (-1 none): runs of a value skip the table */
    uint64_t last_key;
    /* Width 4/8: values within PQ_DICT_DIRECT of the chunk's first value are
     * looked up in a plain array (index + 1, 0 = not seen) instead of the
     * hash table: dates, small codes and amounts stay in L1/L2. */
    uint32_t *direct;
    int64_t direct_base;
    bool direct_ready;
} pq_dict;
#define PQ_DICT_DIRECT 8192

void pq_dict_init(pq_dict *d, size_t width);
void pq_dict_reset(pq_dict *d);
void pq_dict_free(pq_dict *d);
/* Index of the value, inserting it. -1 on no memory. */
int64_t pq_dict_fixed(pq_dict *d, const void *value);
int64_t pq_dict_bytes(pq_dict *d, const uint8_t *p, size_t len);

/* ---- compression -------------------------------------------------------- */
typedef struct pq_compressor pq_compressor;
int pq_compressor_new(etlc_parquet_codec codec, int level, pq_compressor **out);
void pq_compressor_free(pq_compressor *c);
int pq_codec_thrift_id(etlc_parquet_codec codec);
/* Compress src into out (replacing its content). 0 or an etlc code. */
/* ZSTD_decompress, with a context that allocates like the compressor's
 * (through the fault injector in test builds). */
size_t pq_zstd_decompress(void *dst, size_t cap, const void *src, size_t len);
/* Set a z_stream's allocator before its inflateInit2/deflateInit2: zlib's
 * own, or the fault injector's in test builds. */
struct z_stream_s;
void pq_zlib_allocator(struct z_stream_s *zs);
int pq_compress(pq_compressor *c, const void *src, size_t len, etlc__buf *out, etlc_error *err);

/* ---- decimal text -> integer --------------------------------------------- */
/* Parse "-12.3400" (optional exponent) as an integer scaled by 10^scale with
 * at most `precision` digits. 0, or -1 with a reason in why. */
int pq_decimal_parse(const uint8_t *s, size_t len, int precision, int scale, pq_i128 *out,
                     const char **why);
/* Smallest FIXED_LEN_BYTE_ARRAY length that holds `precision` digits. */
int pq_decimal_bytes(int precision);
/* Big-endian two's complement, `n` bytes. */
void pq_i128_to_be(pq_i128 v, uint8_t *out, int n);
pq_i128 pq_be_to_i128(const uint8_t *p, size_t n);
/* Decimal text of v / 10^scale into buf (>= 48 bytes). */
void pq_decimal_format(pq_i128 v, int scale, char *buf, size_t bufsz);

/* ---- column chunk ------------------------------------------------------- */
typedef struct pq_chunk_meta {
    int64_t num_values;
    int64_t uncompressed, compressed; /* incl. page headers */
    int64_t data_page_offset, dictionary_page_offset; /* -1 = none */
    unsigned encodings;               /* bit per enum pq_encoding */
    pq_stats stats;
} pq_chunk_meta;

typedef struct pq_column {
    char *name;
    etlc_column_def def; /* def.name aliases name */
    pq_layout layout;
    bool typed;          /* type is not NULL */

    /* current page */
    uint8_t *levels;     /* definition level per value */
    size_t levels_cap;
    size_t page_values, page_nulls;
    etlc__buf plain;     /* PLAIN values (or unused while dictionary-encoding) */
    uint32_t *indices;
    size_t nindices, indices_cap;
    uint8_t bool_bits;   /* pending bits of a BOOLEAN page */
    unsigned bool_nbits;
    pq_stats page_stats;

    /* current chunk */
    pq_dict dict;
    bool dict_on;        /* still dictionary-encoding this chunk */
    bool dict_abandon;   /* leave dictionary mode after the current page */
    etlc__buf pages;     /* finished data pages, headers included */
    int64_t chunk_bytes; /* uncompressed page bodies submitted to this chunk */
    etlc__buf dict_header, dict_payload; /* the compressed dictionary page, at flush */
    pq_chunk_meta meta;
    int64_t first_data_page_rel; /* -1 until a page is finished */

    /* scratch for DECIMAL conversion of one batch */
    pq_i128 *dec;
    size_t dec_cap;
} pq_column;

struct etlc_parquet_writer;
/* Encode rows [r0, r1) of a batch column into the chunk (pages finished as
 * they fill). 0 or an etlc code. */
int pq_column_append(struct etlc_parquet_writer *w, pq_column *c, const etlc_column *src,
                     size_t r0, size_t r1, etlc_error *err);
int pq_column_finish_page(struct etlc_parquet_writer *w, pq_column *c, etlc_error *err);
struct pq_job;
/* pq_pool's retire callback: add a compressed page to its chunk. */
int pq_column_retire_page(void *userdata, struct pq_job *job, etlc_error *err);
/* Estimated uncompressed bytes buffered for this chunk. */
size_t pq_column_buffered(const pq_column *c);
/* Start a new chunk (after a row group is flushed). */
void pq_column_reset_chunk(pq_column *c, int64_t dictionary_bytes);
void pq_column_free(pq_column *c);

/* Serialize one page header. */
int pq_page_header(etlc__buf *out, int page_type, size_t uncompressed, size_t compressed,
                   int32_t num_values, int encoding, const pq_stats *stats,
                   const pq_layout *layout);

/* ---- writer ------------------------------------------------------------- */
typedef struct pq_rowgroup {
    int64_t num_rows;
    int64_t file_offset;
    int64_t total_uncompressed, total_compressed;
    pq_chunk_meta *cols; /* ncols */
} pq_rowgroup;

struct etlc_parquet_writer {
    etlc_parquet_write_fn write;
    void *userdata;
    etlc_parquet_codec codec;
    int64_t row_group_bytes, page_bytes, dictionary_bytes;
    etlc_meta kv;
    int level;                 /* compression level, 0 = the codec's default */
    int threads;               /* compression threads asked for (>= 1) */
    struct pq_pool *pool;      /* started with the first page */

    bool schema_set;
    size_t ncols;
    pq_column *cols;

    int64_t rg_rows;           /* rows in the open row group */
    pq_rowgroup *rgs;
    size_t nrgs, rgs_cap;
    int64_t total_rows;
    uint64_t offset;           /* bytes written so far */
    bool broken, closed;
};

/* Start the compression pool if it is not running yet. 0 or an etlc code. */
int pq_writer_pool(struct etlc_parquet_writer *w, etlc_error *err);

int pq_write_out(struct etlc_parquet_writer *w, const void *p, size_t len, etlc_error *err);
/* Serialize the FileMetaData. */
int pq_footer(const struct etlc_parquet_writer *w, etlc__buf *out);
/* Physical type bytes for stats (little-endian PLAIN values). */
void pq_write_le32(uint8_t *p, uint32_t v);
void pq_write_le64(uint8_t *p, uint64_t v);

#endif
