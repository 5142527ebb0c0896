// The GELU kernels for one vector width (internal to ConvKitKernelsC; see gelu.c). The includer
// defines CK_V (a float ext_vector_type of CK_LANES lanes), CK_VI (the int32 vector of the same
// size), CK_NAME(base) (the names of this instantiation), CK_ATTRIBUTE (its target ISA) and
// CK_SPLAT(v) (a CK_V with every lane v).

/// e^x lane by lane (see the file header).
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_exp)(CK_V x) {
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, CK_SPLAT(-87.0f)), CK_SPLAT(88.0f));
    // Round to nearest by adding and subtracting 1.5·2^23 (|x·log2 e| < 2^22).
    const CK_V shifter = CK_SPLAT(12582912.0f);
    const CK_V n = (x * CK_SPLAT(1.44269504088896341f) + shifter) - shifter;
    CK_V r = x - n * CK_SPLAT(0.693145751953125f);  // ln 2, high part (exact in n·hi)
    r = r - n * CK_SPLAT(1.428606765330187045e-06f);  // ln 2 − high part
    CK_V p = CK_SPLAT(1.0f / 5040.0f);
    p = p * r + CK_SPLAT(1.0f / 720.0f);
    p = p * r + CK_SPLAT(1.0f / 120.0f);
    p = p * r + CK_SPLAT(1.0f / 24.0f);
    p = p * r + CK_SPLAT(1.0f / 6.0f);
    p = p * r + CK_SPLAT(0.5f);
    p = p * r + CK_SPLAT(1.0f);
    p = p * r + CK_SPLAT(1.0f);
    const CK_VI bits = (__builtin_convertvector(n, CK_VI) + 127) << 23;
    return p * (CK_V)bits;
}

/// erf(x) lane by lane (see the file header); odd, so |x| is used and the sign copied back.
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_erf)(CK_V x) {
    const CK_VI sign = (CK_VI)x & (int32_t)0x80000000;
    const CK_V a = (CK_V)((CK_VI)x & 0x7fffffff);
    const CK_V t = CK_SPLAT(1.0f) / (CK_SPLAT(1.0f) + CK_SPLAT(0.3275911f) * a);
    CK_V poly = CK_SPLAT(1.061405429f);
    poly = poly * t + CK_SPLAT(-1.453152027f);
    poly = poly * t + CK_SPLAT(1.421413741f);
    poly = poly * t + CK_SPLAT(-0.284496736f);
    poly = poly * t + CK_SPLAT(0.254829592f);
    poly = poly * t;
    const CK_V value = CK_SPLAT(1.0f) - poly * CK_NAME(ck_exp)(CK_SPLAT(0.0f) - a * a);
    return (CK_V)((CK_VI)value | sign);
}

/// tanh(u) = sign(u)·(1 − 2/(e^(2|u|) + 1)) lane by lane.
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_tanh)(CK_V u) {
    const CK_VI sign = (CK_VI)u & (int32_t)0x80000000;
    const CK_V a = (CK_V)((CK_VI)u & 0x7fffffff);
    const CK_V value = CK_SPLAT(1.0f) - CK_SPLAT(2.0f) / (CK_NAME(ck_exp)(a + a) + CK_SPLAT(1.0f));
    return (CK_V)((CK_VI)value | sign);
}

/// y = (x·½)·(1 + erf(x/√2)).
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_gelu_forward_v)(CK_V x) {
    return (x * CK_SPLAT(0.5f)) * (CK_SPLAT(1.0f) + CK_NAME(ck_erf)(x * CK_SPLAT(CK_SQRT1_2)));
}

/// dx = dy·(Φ(x) + x·φ(x)), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π).
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_gelu_backward_v)(CK_V x, CK_V dy) {
    const CK_V cdf = CK_SPLAT(0.5f) * (CK_SPLAT(1.0f) + CK_NAME(ck_erf)(x * CK_SPLAT(CK_SQRT1_2)));
    const CK_V pdf = CK_NAME(ck_exp)(CK_SPLAT(-0.5f) * x * x) * CK_SPLAT(CK_INV_SQRT_2PI);
    return dy * (cdf + x * pdf);
}

/// y = (x·½)·(1 + tanh(√(2/π)·(x + κx³))), κ = 0.044715.
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_gelu_tanh_forward_v)(CK_V x) {
    const CK_V inner = CK_SPLAT(CK_SQRT_2_PI) * (x + CK_SPLAT(CK_KAPPA) * x * x * x);
    return (x * CK_SPLAT(0.5f)) * (CK_SPLAT(1.0f) + CK_NAME(ck_tanh)(inner));
}

/// dx = dy·(½(1 + t) + ½x·(1 − t²)·√(2/π)·(1 + 3κx²)), t = tanh(√(2/π)·(x + κx³)).
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_gelu_tanh_backward_v)(CK_V x, CK_V dy) {
    const CK_V inner = CK_SPLAT(CK_SQRT_2_PI) * (x + CK_SPLAT(CK_KAPPA) * x * x * x);
    const CK_V t = CK_NAME(ck_tanh)(inner);
    const CK_V left = x * CK_SPLAT(0.5f);
    const CK_V right = CK_SPLAT(1.0f) + t;
    const CK_V innerDerivative = CK_SPLAT(CK_SQRT_2_PI) * (CK_SPLAT(1.0f) + CK_SPLAT(3.0f * CK_KAPPA) * x * x);
    const CK_V rightDerivative = left * (CK_SPLAT(1.0f) - t * t) * innerDerivative;
    return dy * (CK_SPLAT(0.5f) * right + rightDerivative);
}

CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_load)(const float *p) {
    CK_V v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

CK_ATTRIBUTE CK_INLINE void CK_NAME(ck_store)(float *p, CK_V v) { __builtin_memcpy(p, &v, sizeof v); }

/// Loads the first n < CK_LANES floats of p into a zero-padded vector.
CK_ATTRIBUTE CK_INLINE CK_V CK_NAME(ck_load_partial)(const float *p, long n) {
    float lanes[CK_LANES] = {0};
    for (long i = 0; i < n; i++) lanes[i] = p[i];
    return CK_NAME(ck_load)(lanes);
}

CK_ATTRIBUTE CK_INLINE void CK_NAME(ck_store_partial)(float *p, CK_V v, long n) {
    float lanes[CK_LANES];
    CK_NAME(ck_store)(lanes, v);
    for (long i = 0; i < n; i++) p[i] = lanes[i];
}

/// GELU forward over count floats (y may be x), CK_LANES at a time, the tail from a padded copy.
CK_ATTRIBUTE static void CK_NAME(ck_gelu_forward)(const float *x, float *y, long count, bool tanh_approximation) {
    long i = 0;
    if (tanh_approximation) {
        for (; i + CK_LANES <= count; i += CK_LANES) CK_NAME(ck_store)(y + i, CK_NAME(ck_gelu_tanh_forward_v)(CK_NAME(ck_load)(x + i)));
        if (i < count) CK_NAME(ck_store_partial)(y + i, CK_NAME(ck_gelu_tanh_forward_v)(CK_NAME(ck_load_partial)(x + i, count - i)), count - i);
    } else {
        for (; i + CK_LANES <= count; i += CK_LANES) CK_NAME(ck_store)(y + i, CK_NAME(ck_gelu_forward_v)(CK_NAME(ck_load)(x + i)));
        if (i < count) CK_NAME(ck_store_partial)(y + i, CK_NAME(ck_gelu_forward_v)(CK_NAME(ck_load_partial)(x + i, count - i)), count - i);
    }
}

/// GELU backward over count floats (dx may be dy).
CK_ATTRIBUTE static void CK_NAME(ck_gelu_backward)(const float *x, const float *dy, float *dx, long count, bool tanh_approximation) {
    long i = 0;
    if (tanh_approximation) {
        for (; i + CK_LANES <= count; i += CK_LANES)
            CK_NAME(ck_store)(dx + i, CK_NAME(ck_gelu_tanh_backward_v)(CK_NAME(ck_load)(x + i), CK_NAME(ck_load)(dy + i)));
        if (i < count) {
            const long n = count - i;
            CK_NAME(ck_store_partial)(dx + i, CK_NAME(ck_gelu_tanh_backward_v)(CK_NAME(ck_load_partial)(x + i, n), CK_NAME(ck_load_partial)(dy + i, n)), n);
        }
    } else {
        for (; i + CK_LANES <= count; i += CK_LANES)
            CK_NAME(ck_store)(dx + i, CK_NAME(ck_gelu_backward_v)(CK_NAME(ck_load)(x + i), CK_NAME(ck_load)(dy + i)));
        if (i < count) {
            const long n = count - i;
            CK_NAME(ck_store_partial)(dx + i, CK_NAME(ck_gelu_backward_v)(CK_NAME(ck_load_partial)(x + i, n), CK_NAME(ck_load_partial)(dy + i, n)), n);
        }
    }
}
