// zlib (Debian zlib1g-dev): DEFLATE in the ZLIB format (RFC 1950/1951), for IETF Token Status Lists.
#include <zlib.h>

// deflateInit/inflateInit are macros; Swift sees these functions instead.
static inline int czlib_deflate_init(z_streamp stream, int level) {
    return deflateInit(stream, level);
}
static inline int czlib_inflate_init(z_streamp stream) {
    return inflateInit(stream);
}
