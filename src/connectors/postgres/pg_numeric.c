/* PostgreSQL binary numeric (base-10000 digit groups) straight to an
 * integer scaled by 10^scale, with no decimal text in between. It accepts
 * and rejects exactly what etlc__pg_numeric_to_text followed by the Parquet
 * writer's decimal parser does, with the same reasons (a unit test compares
 * the two over random and edge values). */
#include "pg_internal.h"

static uint16_t be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static const uint16_t pow10_small[5] = {1, 10, 100, 1000, 10000};

static etlc__u128 pow10_u128(int n)
{
    etlc__u128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static int digits_of(unsigned g) { return g >= 1000 ? 4 : g >= 100 ? 3 : g >= 10 ? 2 : 1; }

static int trailing_zeros(unsigned g)
{
    int n = 0;
    while (g % 10 == 0) { /* g != 0 here */
        g /= 10;
        n++;
    }
    return n;
}

/* Group i with the digits the text form drops (below 10^-dscale) cleared. */
static unsigned group_at(const unsigned char *d, int i, int weight, int dscale)
{
    unsigned g = be16(d + 2 * i);
    int lo = 4 * (weight - i); /* power of ten of the group's last digit */
    int cut = -dscale - lo;    /* digits of the group below 10^-dscale */
    if (cut >= 4)
        return 0;
    return cut > 0 ? g - g % pow10_small[cut] : g;
}

int etlc__pg_numeric_scaled(const unsigned char *p, size_t len, int precision, int scale,
                            etlc__i128 *out, const char **why)
{
    etlc__pg_numeric_head h;
    int rc = etlc__pg_numeric_head_read(p, len, &h);
    if (rc != 0)
        return rc;
    uint16_t ndigits = h.ndigits, sign = h.sign, dscale = h.dscale;
    int weight = h.weight;
    const unsigned char *d = h.digits;
    int top = 0, lowest = 0;
    bool any = false;
    for (int i = 0; i < ndigits; i++) {
        unsigned g = group_at(d, i, weight, dscale);
        if (!g)
            continue;
        int lo = 4 * (weight - i);
        if (!any)
            top = lo + digits_of(g) - 1;
        lowest = lo + trailing_zeros(g);
        any = true;
    }
    *out = 0;
    if (!any)
        return 0; /* zero, whatever its sign and scale */
    /* What the text parser counts: digits from the first non-zero one down
     * to the units or the last non-zero fractional one. */
    int bottom = lowest < 0 ? lowest : 0;
    if (top - bottom + 1 > 38) {
        *why = "has more than 38 significant digits";
        return -5;
    }
    if (-bottom > scale) {
        *why = "has more fractional digits than the column's scale";
        return -5;
    }
    if (top + scale + 1 > precision) {
        *why = "has more digits than the column's precision";
        return -5;
    }
    /* Digits from 10^top down to 10^-scale: at most 38, so no overflow. */
    etlc__u128 n = 0;
    int pw = 4 * (weight + 1); /* power of the last digit taken in */
    for (int i = 0; i < ndigits; i++) {
        int lo = 4 * (weight - i);
        if (lo + 3 < -scale)
            break;
        int keep_lo = lo > -scale ? lo : -scale;
        unsigned g = group_at(d, i, weight, dscale) / pow10_small[keep_lo - lo];
        n = n * pow10_small[pw - keep_lo] + g;
        pw = keep_lo;
    }
    n *= pow10_u128(pw + scale);
    *out = sign == 0x4000 ? -(etlc__i128)n : (etlc__i128)n;
    return 0;
}
