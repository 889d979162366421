/* A port of purenn's network to C99, written from docs/spec.md.
 *
 *   gcc -O2 -ffp-contract=off -o port scripts/ports/port.c
 *   ./port FIXTURE ACTUAL
 *   ./port --exp < ARGUMENTS      (exp of each hex float on stdin, as %a)
 *
 * Reads a golden fixture (floats as JSON numbers or C99 hex strings), trains
 * from its initial parameters in its order, and writes every quantity the
 * fixture holds, in its layout, to ACTUAL (floats as %a hex strings).
 * `purenn compare FIXTURE ACTUAL` then says IDENTICAL.  Without
 * -ffp-contract=off gcc may fuse a*b + c into one rounding, and compare says
 * so.  No libm: exp below is correctly rounded with integer arithmetic.
 */
#include <math.h>     /* INFINITY and NAN only */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "port: %s%s\n", what, detail);
    exit(2);
}

/* ---- exp, correctly rounded ---------------------------------------------
 * e^x = 2^k e^r, r = x - k ln2, |r| <= 0.35, in fixed point with F
 * fractional bits: non-negative integers of 32-bit limbs.  The error is at
 * most 4096 + 4n units of 2^-F (n Taylor terms; r is off by at most
 * 2|k| + 1 units): if both ends of that interval round to the same double,
 * it is e^x rounded; else F doubles, up to 1024 bits, then the port stops. */
#define LIMBS 72
typedef struct { int n; uint32_t d[LIMBS]; } big;

static void b_norm(big *a) { while (a->n > 0 && a->d[a->n - 1] == 0) a->n--; }
static void b_set(big *a, uint64_t v)
{
    memset(a, 0, sizeof *a);
    a->d[0] = (uint32_t)v; a->d[1] = (uint32_t)(v >> 32); a->n = 2; b_norm(a);
}
static void b_shl(big *a, int bits)
{
    big r; int i, w = bits / 32, s = bits % 32;
    memset(&r, 0, sizeof r);
    for (i = a->n - 1; i >= 0; i--) {
        uint64_t v = (uint64_t)a->d[i] << s;
        r.d[i + w] |= (uint32_t)v; r.d[i + w + 1] |= (uint32_t)(v >> 32);
    }
    r.n = a->n + w + 1; b_norm(&r); *a = r;
}
static void b_shr(big *a, int bits)
{
    big r; int i, w = bits / 32, s = bits % 32;
    memset(&r, 0, sizeof r);
    for (i = w; i < a->n; i++) {
        uint64_t v = a->d[i] >> s;
        if (s && i + 1 < a->n) v |= (uint64_t)a->d[i + 1] << (32 - s);
        r.d[i - w] = (uint32_t)v;
    }
    r.n = a->n > w ? a->n - w : 0; b_norm(&r); *a = r;
}
static int b_cmp(const big *a, const big *b)
{
    int i;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}
static void b_add(big *r, const big *a, const big *b)   /* r may be a */
{
    uint64_t carry = 0; int i, n = a->n > b->n ? a->n : b->n;
    for (i = 0; i < n; i++) {
        carry += (uint64_t)(i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        r->d[i] = (uint32_t)carry; carry >>= 32;
    }
    r->d[n] = (uint32_t)carry; r->n = n + 1; b_norm(r);
}
static void b_sub(big *r, const big *a, const big *b)   /* a >= b */
{
    int64_t borrow = 0; int i;
    for (i = 0; i < a->n; i++) {
        int64_t v = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = v < 0; r->d[i] = (uint32_t)(v + (borrow ? 4294967296LL : 0));
    }
    r->n = a->n; b_norm(r);
}
static void b_mul(big *r, const big *a, const big *b)
{
    int i, j;
    memset(r, 0, sizeof *r);
    for (i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (j = 0; j < b->n; j++) {
            uint64_t t = (uint64_t)a->d[i] * b->d[j] + r->d[i + j] + carry;
            r->d[i + j] = (uint32_t)t; carry = t >> 32;
        }
        r->d[i + b->n] = (uint32_t)carry;
    }
    r->n = a->n + b->n; b_norm(r);
}
static void b_mul_small(big *r, const big *a, uint32_t k)
{
    uint64_t carry = 0; int i;
    for (i = 0; i < a->n; i++) {
        carry += (uint64_t)a->d[i] * k; r->d[i] = (uint32_t)carry; carry >>= 32;
    }
    r->d[a->n] = (uint32_t)carry; r->n = a->n + 1; b_norm(r);
}
static void b_div_small(big *a, uint32_t k)              /* truncates */
{
    uint64_t rem = 0; int i;
    for (i = a->n - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | a->d[i];
        a->d[i] = (uint32_t)(cur / k); rem = cur % k;
    }
    b_norm(a);
}
static int b_bitlen(const big *a)
{
    int bits = 32 * a->n; uint32_t top;
    if (a->n == 0) return 0;
    for (top = a->d[a->n - 1]; !(top & 0x80000000u); top <<= 1) bits--;
    return bits;
}

static double pow2(int e)          /* 2^e exactly, -1074 <= e <= 1023 */
{
    uint64_t bits = e >= -1022 ? (uint64_t)(e + 1023) << 52 : 1ULL << (e + 1074);
    double v; memcpy(&v, &bits, 8); return v;
}

static double round_scaled(const big *s, int e)   /* s 2^e to nearest */
{
    int nb = b_bitlen(s), lead = nb - 1 + e, shift;
    big q = *s, half; uint64_t m;
    if (nb == 0) return 0.0;
    if (lead > 1023) return INFINITY;
    shift = lead >= -1022 ? nb - 53 : -1074 - e;
    if (shift > 0) {           /* half up: a midpoint is never e^x itself */
        b_set(&half, 1); b_shl(&half, shift - 1); b_add(&q, &q, &half);
        b_shr(&q, shift);
    } else if (shift < 0) {
        b_shl(&q, -shift);
    }
    m = q.n > 0 ? q.d[0] : 0;
    if (q.n > 1) m |= (uint64_t)q.d[1] << 32;
    if (m == 0) return 0.0;
    return (double)m * pow2(e + shift);  /* exact: m <= 2^53 */
}

static big ln2_cache[6]; static int ln2_have[6];
static const big *ln2_fixed(int F, int slot)     /* ln2 2^F within 2 units */
{
    if (!ln2_have[slot]) {
        int G = F + 32, n; big s, t;
        b_set(&s, 0);
        for (n = 1; n <= G; n++) {        /* sum 1/(n 2^n) */
            b_set(&t, 1); b_shl(&t, G - n); b_div_small(&t, (uint32_t)n);
            b_add(&s, &s, &t);
        }
        b_shr(&s, 32); ln2_cache[slot] = s; ln2_have[slot] = 1;
    }
    return &ln2_cache[slot];
}

static int try_exp(double x, int F, int slot, double *out)
{
    uint64_t bits, mant; int neg, ex, e, rneg, scale; long k, n = 0;
    big X, kL, R, t, P, N, S, err, lo, hi, u;
    double ax = x < 0 ? -x : x, a, b;
    memcpy(&bits, &x, 8);
    neg = (int)(bits >> 63); ex = (int)((bits >> 52) & 0x7ff);
    mant = bits & ((1ULL << 52) - 1); e = -1074;
    if (ex) { mant |= 1ULL << 52; e = ex - 1075; }
    b_set(&X, mant); b_shl(&X, e + F);              /* |x| 2^F exactly */
    k = (long)(ax * 1.4426950408889634 + 0.5);
    b_mul_small(&kL, ln2_fixed(F, slot), (uint32_t)k);
    if (b_cmp(&X, &kL) >= 0) { b_sub(&R, &X, &kL); rneg = 0; }
    else { b_sub(&R, &kL, &X); rneg = 1; }
    if (neg) rneg = !rneg;                          /* e^x = 2^(+-k) e^(+-r) */
    b_set(&t, 1); b_shl(&t, F); P = t; b_set(&N, 0);
    while (t.n) {
        n++; b_mul(&u, &t, &R); b_shr(&u, F); b_div_small(&u, (uint32_t)n); t = u;
        if (rneg && (n & 1)) b_add(&N, &N, &t); else b_add(&P, &P, &t);
    }
    b_sub(&S, &P, &N); b_set(&err, (uint64_t)(4096 + 4 * n));
    b_sub(&lo, &S, &err); b_add(&hi, &S, &err);
    scale = (int)(neg ? -k : k) - F;
    a = round_scaled(&lo, scale); b = round_scaled(&hi, scale);
    if (a != b) return 0;
    *out = a; return 1;
}

static double exp_cr(double x)
{
    int F, slot; double y;
    if (x != x) return NAN;
    if (x > 710) return INFINITY;
    if (x < -746) return 0.0;
    if (x < 0x1p-54 && x > -0x1p-54) return 1.0;  /* within 2^-54 of 1 */
    for (F = 128, slot = 0; F <= 1024; F *= 2, slot++)
        if (try_exp(x, F, slot, &y)) return y;
    fprintf(stderr, "port: exp(%a): rounding not decided at 1024 bits\n", x);
    exit(3);
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp_cr(-z)); }

/* ---- JSON -------------------------------------------------------------- */
enum { J_LIT, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct J { int t, n, cap; double num; char *s; struct J **v; char **k; } J;
static const char *at;

static void ws(void) { while (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t') at++; }
static char *pstr(void)
{
    size_t n = 0, cap = 16; char *s = malloc(cap);
    for (at++; *at && *at != '"'; n++) {
        char c = *at++;
        if (c == '\\') { c = *at++; if (c == 'u') { at += 4; c = '?'; } }
        if (n + 2 > cap) s = realloc(s, cap *= 2);
        s[n] = c;
    }
    if (*at++ != '"') die("bad JSON: ", "unterminated string");
    s[n] = 0; return s;
}
static void push(J *j, J *item, char *key)
{
    if (j->n == j->cap) {
        j->cap = j->cap ? 2 * j->cap : 4;
        j->v = realloc(j->v, j->cap * sizeof *j->v);
        j->k = realloc(j->k, j->cap * sizeof *j->k);
    }
    j->v[j->n] = item; j->k[j->n++] = key;
}
static J *parse(void)
{
    J *j = calloc(1, sizeof *j); char *end;
    ws();
    if (*at == '[' || *at == '{') {
        char close = *at == '[' ? ']' : '}';
        j->t = *at++ == '[' ? J_ARR : J_OBJ; ws();
        if (*at == close) { at++; return j; }
        for (;;) {
            char *key = NULL;
            ws();
            if (j->t == J_OBJ) {
                if (*at != '"') die("bad JSON: ", "expected a key");
                key = pstr(); ws();
                if (*at++ != ':') die("bad JSON: ", "expected ':'");
            }
            push(j, parse(), key); ws();
            if (*at == ',') { at++; continue; }
            if (*at++ == close) return j;
            die("bad JSON: ", "expected ',' or a closing bracket");
        }
    }
    if (*at == '"') { j->t = J_STR; j->s = pstr(); return j; }
    if (!strncmp(at, "true", 4) || !strncmp(at, "null", 4)) { at += 4; return j; }
    if (!strncmp(at, "false", 5)) { at += 5; return j; }
    j->t = J_NUM; j->num = strtod(at, &end);
    if (end == at) die("bad JSON at: ", at);
    at = end; return j;
}
static J *get(const J *j, const char *key)
{
    int i;
    if (j && j->t == J_OBJ)
        for (i = 0; i < j->n; i++) if (!strcmp(j->k[i], key)) return j->v[i];
    return NULL;
}
static J *need(const J *j, const char *key)
{
    J *v = get(j, key);
    if (!v) die("fixture lacks ", key);
    return v;
}
static double num(const J *j)    /* a JSON number or a C99 hex string */
{
    char *end; double v;
    if (j->t == J_NUM) return j->num;
    if (j->t != J_STR) die("expected a number", "");
    v = strtod(j->s, &end);
    if (end == j->s || *end) die("not a number: ", j->s);
    return v;
}
static double *flat(const J *j, int count)   /* a list, or a list of rows */
{
    double *v = malloc((count ? count : 1) * sizeof *v); int r, c, at_ = 0;
    for (r = 0; r < j->n; r++) {
        const J *row = j->v[r];
        if (row->t == J_ARR) for (c = 0; c < row->n; c++) v[at_++] = num(row->v[c]);
        else v[at_++] = num(row);
        if (at_ > count) die("a matrix of the wrong size", "");
    }
    if (at_ != count) die("a matrix of the wrong size", "");
    return v;
}

/* ---- writing ------------------------------------------------------------ */
static FILE *out;
static void put(double v) { fprintf(out, "\"%a\"", v); }
static void put_matrix(const double *m, int rows, int cols)
{
    int r, c;
    fputc('[', out);
    for (r = 0; r < rows; r++) {
        fputs(r ? ",[" : "[", out);
        for (c = 0; c < cols; c++) { if (c) fputc(',', out); put(m[r * cols + c]); }
        fputc(']', out);
    }
    fputc(']', out);
}

/* ---- the network (docs/spec.md) ----------------------------------------- */
static int L, *sz;                 /* layers 0..L, sz[l] neurons */
static double **w, **b;            /* w[l]: sz[l] x sz[l-1] row-major; l >= 1 */

static void feedforward(const double *x, double **z, double **a)
{
    int l, j, k;
    a[0] = (double *)x;
    for (l = 1; l <= L; l++) {
        for (j = 0; j < sz[l]; j++) {
            const double *row = w[l] + j * sz[l - 1];
            double s = row[0] * a[l - 1][0];        /* from the first product */
            for (k = 1; k < sz[l - 1]; k++) s = s + row[k] * a[l - 1][k];
            z[l][j] = s + b[l][j];                  /* the bias last */
            a[l][j] = sigmoid(z[l][j]);
        }
    }
}

int main(int argc, char **argv)
{
    FILE *in; long size; char *text; J *fx, *layers, *order, *tests, *omitted;
    double **X, **Y, eta, **z, **a, **dcda, **dcdb, **sumb, **sumw, *costs;
    int l, i, j, k, e, step = 0, msize, skip[64] = {0};
    if (argc == 2 && !strcmp(argv[1], "--exp")) {  /* exp of each %a line on stdin */
        char line[128];
        while (fgets(line, sizeof line, stdin)) printf("%a\n", exp_cr(strtod(line, NULL)));
        return 0;
    }
    if (argc != 3) { fprintf(stderr, "usage: port FIXTURE ACTUAL | port --exp\n"); return 2; }
    if (!(in = fopen(argv[1], "rb"))) die("cannot open ", argv[1]);
    fseek(in, 0, SEEK_END); size = ftell(in); fseek(in, 0, SEEK_SET);
    text = malloc(size + 1);
    if (fread(text, 1, size, in) != (size_t)size) die("cannot read ", argv[1]);
    text[size] = 0; fclose(in); at = text; fx = parse();

    layers = need(need(fx, "initial"), "layers");
    L = layers->n; sz = malloc((L + 1) * sizeof *sz);
    sz[0] = (int)num(need(fx, "sizes")->v[0]);
    w = calloc(L + 1, sizeof *w); b = calloc(L + 1, sizeof *b);
    z = calloc(L + 1, sizeof *z); a = calloc(L + 1, sizeof *a);
    dcda = calloc(L + 1, sizeof *dcda); dcdb = calloc(L + 1, sizeof *dcdb);
    sumb = calloc(L + 1, sizeof *sumb); sumw = calloc(L + 1, sizeof *sumw);
    for (l = 1; l <= L; l++) {
        sz[l] = (int)num(need(fx, "sizes")->v[l]);
        w[l] = flat(need(layers->v[l - 1], "w"), sz[l] * sz[l - 1]);
        b[l] = flat(need(layers->v[l - 1], "b"), sz[l]);
        z[l] = malloc(sz[l] * sizeof **z); a[l] = malloc(sz[l] * sizeof **a);
        dcda[l] = malloc(sz[l] * sizeof **z); dcdb[l] = malloc(sz[l] * sizeof **z);
        sumb[l] = malloc(sz[l] * sizeof **z);
        sumw[l] = malloc(sz[l] * sz[l - 1] * sizeof **z);
    }
    omitted = get(fx, "omitted");      /* "steps.examples.layers[layer 1].dc_dw" */
    for (i = 0; omitted && i < omitted->n; i++)
        if (sscanf(omitted->v[i]->s, "steps.examples.layers[layer %d].dc_dw", &l) == 1
            && l > 0 && l < 64) skip[l] = 1;
    X = malloc(need(fx, "inputs")->n * sizeof *X);
    Y = malloc(need(fx, "targets")->n * sizeof *Y);
    for (i = 0; i < need(fx, "inputs")->n; i++) {
        X[i] = flat(need(fx, "inputs")->v[i], sz[0]);
        Y[i] = flat(need(fx, "targets")->v[i], sz[L]);
    }
    eta = num(need(fx, "eta")); msize = (int)num(need(fx, "mini_batch_size"));
    costs = malloc(msize * sizeof *costs);
    order = need(fx, "order");

    if (!(out = fopen(argv[2], "w"))) die("cannot write ", argv[2]);
    fputs("{\"steps\":[", out);
    for (e = 0; e < order->n; e++) {
        const J *ord = order->v[e]; int start;
        for (start = 0; start < ord->n; start += msize) {
            int m = ord->n - start < msize ? ord->n - start : msize;
            double rate, cost;
            for (l = 1; l <= L; l++) {              /* the sums start at 0.0 */
                for (j = 0; j < sz[l]; j++) sumb[l][j] = 0.0;
                for (j = 0; j < sz[l] * sz[l - 1]; j++) sumw[l][j] = 0.0;
            }
            fprintf(out, "%s{\"step\":%d,\"epoch\":%d,\"examples\":[",
                    step ? "," : "", step, e);
            for (i = 0; i < m; i++) {
                int index = (int)num(ord->v[start + i]);
                double c, d;
                feedforward(X[index], z, a);
                d = a[L][0] - Y[index][0]; c = d * d;
                for (j = 1; j < sz[L]; j++) { d = a[L][j] - Y[index][j]; c = c + d * d; }
                costs[i] = c = 0.5 * c;
                for (j = 0; j < sz[L]; j++) dcda[L][j] = a[L][j] - Y[index][j];
                for (l = L; l >= 1; l--) {
                    if (l < L)
                        for (k = 0; k < sz[l]; k++) {       /* w[l+1]^T dc_db[l+1] */
                            double s = w[l + 1][k] * dcdb[l + 1][0];
                            for (j = 1; j < sz[l + 1]; j++) s = s + w[l + 1][j * sz[l] + k] * dcdb[l + 1][j];
                            dcda[l][k] = s;
                        }
                    for (j = 0; j < sz[l]; j++) {
                        double s = a[l][j];
                        dcdb[l][j] = (s * (1.0 - s)) * dcda[l][j];
                        sumb[l][j] = sumb[l][j] + dcdb[l][j];
                        for (k = 0; k < sz[l - 1]; k++)
                            sumw[l][j * sz[l - 1] + k] = sumw[l][j * sz[l - 1] + k] + dcdb[l][j] * a[l - 1][k];
                    }
                }
                fprintf(out, "%s{\"example\":%d,\"cost\":", i ? "," : "", index);
                put(c); fputs(",\"layers\":[", out);
                for (l = 1; l <= L; l++) {
                    fprintf(out, "%s{\"layer\":%d,\"z\":", l > 1 ? "," : "", l);
                    put_matrix(z[l], sz[l], 1); fputs(",\"a\":", out);
                    put_matrix(a[l], sz[l], 1); fputs(",\"dc_da\":", out);
                    put_matrix(dcda[l], sz[l], 1); fputs(",\"dc_db\":", out);
                    put_matrix(dcdb[l], sz[l], 1);
                    if (!skip[l]) {
                        fputs(",\"dc_dw\":[", out);
                        for (j = 0; j < sz[l]; j++) {
                            fputs(j ? ",[" : "[", out);
                            for (k = 0; k < sz[l - 1]; k++) {
                                if (k) fputc(',', out);
                                put(dcdb[l][j] * a[l - 1][k]);
                            }
                            fputc(']', out);
                        }
                        fputc(']', out);
                    }
                    fputc('}', out);
                }
                fputs("]}", out);
            }
            rate = eta / m;                               /* formed once */
            for (l = 1; l <= L; l++) {
                for (j = 0; j < sz[l]; j++) b[l][j] = b[l][j] - rate * sumb[l][j];
                for (j = 0; j < sz[l] * sz[l - 1]; j++) w[l][j] = w[l][j] - rate * sumw[l][j];
            }
            cost = costs[0];
            for (i = 1; i < m; i++) cost = cost + costs[i];
            fputs("],\"rate\":", out); put(rate);
            fputs(",\"cost\":", out); put(cost / m);
            fputs(",\"layers\":[", out);
            for (l = 1; l <= L; l++) {
                fprintf(out, "%s{\"layer\":%d,\"sum_dc_db\":", l > 1 ? "," : "", l);
                put_matrix(sumb[l], sz[l], 1); fputs(",\"sum_dc_dw\":", out);
                put_matrix(sumw[l], sz[l], sz[l - 1]); fputs(",\"updated_b\":", out);
                put_matrix(b[l], sz[l], 1); fputs(",\"updated_w\":", out);
                put_matrix(w[l], sz[l], sz[l - 1]); fputc('}', out);
            }
            fputs("]}", out);
            step++;
        }
    }
    fputs("],\"test\":{\"outputs\":[", out);
    tests = need(need(fx, "test"), "inputs");
    for (i = 0; i < tests->n; i++) {
        feedforward(flat(tests->v[i], sz[0]), z, a);
        if (i) fputc(',', out);
        fputc('[', out);
        for (j = 0; j < sz[L]; j++) { if (j) fputc(',', out); put(a[L][j]); }
        fputc(']', out);
    }
    fputs("]}}\n", out);
    if (fclose(out)) die("cannot write ", argv[2]);
    return 0;
}
