// The same program compiled as C++: the public headers must give C linkage
// (ETLC_BEGIN_DECLS) or this does not link against libetlconn.so.
#include "shared_link.c"
