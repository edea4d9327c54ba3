using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// Runs every CUDA op on deterministic random inputs at several shapes, runs its CPU twin on the same values and reports
/// the NMSE of each output against <see cref="NmseThresholds"/> (ggml test-backend-ops MODE_TEST, llm.c per-tensor
/// thresholds). Inputs are bf16-representable, so GPU (bf16 storage) and CPU (fp32) see identical numbers and only the
/// kernels' own rounding shows. Outputs the GPU should overwrite are pre-filled with NaN bit patterns, so an element a
/// kernel forgets to write fails the check. Backward cases feed both sides the same saved forward state (the CPU's,
/// rounded to the GPU's storage type where the GPU stores it in bf16), so each row measures one op.
/// </summary>
/// <remarks>Runs on <see cref="CudaOps.Backend"/> (the GPU, or the host emulator in the tests); synchronized per case.</remarks>
public sealed partial class KernelVerifier
{
    readonly CudaOps _ops;
    readonly int _seed;

    /// <summary>Creates a verifier over <paramref name="ops"/>.</summary>
    /// <param name="ops">The GPU ops (their module loads happen during the run).</param>
    /// <param name="seed">Seed of the random inputs.</param>
    public KernelVerifier(CudaOps ops, int seed = 1234)
    {
        _ops = ops ?? throw new ArgumentNullException(nameof(ops));
        _seed = seed;
    }

    /// <summary>The families with verification cases, in <see cref="CudaOpRegistry.Families"/> order.</summary>
    public static IReadOnlyList<string> CoveredFamilies => CaseTable.Keys.ToArray();

    /// <summary>Runs the cases of <paramref name="families"/> (all registry families when null) and returns one row per compared output.</summary>
    /// <exception cref="ArgumentException">An unknown family name (the message lists the known ones).</exception>
    public IReadOnlyList<VerifyRow> Run(IEnumerable<string>? families = null)
    {
        var names = (families ?? CudaOpRegistry.Families.Select(f => f.Name)).ToArray();
        foreach (var n in names)
            if (!CaseTable.ContainsKey(n))
                throw new ArgumentException($"unknown op family '{n}' (known: {string.Join(", ", CaseTable.Keys)})", nameof(families));
        var rows = new List<VerifyRow>();
        foreach (var n in names)
        {
            var s = new Session(_ops, CaseTable.Keys.First(k => string.Equals(k, n, StringComparison.OrdinalIgnoreCase)), _seed);
            CaseTable[n](this, s);
            rows.AddRange(s.Rows);
        }
        return rows;
    }

    /// <summary>
    /// The state of one family's run: its rows, its random stream and the device buffers of the current case (freed
    /// after each case).
    /// </summary>
    sealed class Session
    {
        readonly List<GpuTensor> _tensors = new();
        public CudaOps Ops { get; }
        IKernelBackend Backend => Ops.Backend;
        public string Family { get; }
        public Random Rng { get; }
        public List<VerifyRow> Rows { get; } = new();

        public Session(CudaOps ops, string family, int seed)
        {
            Ops = ops; Family = family;
            Rng = new Random(seed ^ StableHash(family));
        }

        static int StableHash(string s) { int h = 17; foreach (char c in s) h = h * 31 + c; return h; }

        /// <summary>Runs one case; an exception becomes a failed row instead of ending the run.</summary>
        public void Case(string op, string shape, Action body)
        {
            try { body(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Rows.Add(VerifyRow.Failed(Family, op, shape, $"{e.GetType().Name}: {e.Message}"));
            }
            finally
            {
                try { Backend.Synchronize(); } catch (Exception) { /* reported by the case already */ }
                foreach (var t in _tensors) Backend.Free(t);
                _tensors.Clear();
            }
        }

        /// <summary>n values uniform in [−scale, scale), rounded to bf16 (exactly representable in every storage type).</summary>
        public float[] Rand(long n, float scale = 1f)
        {
            var a = new float[n];
            for (long i = 0; i < n; i++) a[i] = BFloat16.FromSingle((float)(Rng.NextDouble() * 2 - 1) * scale).ToSingle();
            return a;
        }

        GpuTensor Alloc(long n, DType dtype, string what)
        {
            var t = Backend.Allocate(n, dtype, what);
            _tensors.Add(t);
            return t;
        }

        /// <summary>Uploads <paramref name="host"/> as <paramref name="dtype"/> (bf16 or fp32).</summary>
        public GpuTensor Up(float[] host, DType dtype)
        {
            var t = Alloc(host.Length, dtype, "verify input");
            if (dtype == DType.BF16)
            {
                var h = new BFloat16[host.Length];
                NumericConvert.SingleToBFloat16(host, h);
                Backend.Upload<BFloat16>(t, h);
            }
            else if (dtype == DType.F32) Backend.Upload<float>(t, host);
            else throw new ArgumentException($"cannot upload floats as {dtype}", nameof(dtype));
            return t;
        }

        /// <summary>Uploads float64 values.</summary>
        public GpuTensor Up(double[] host)
        {
            var t = Alloc(host.Length, DType.F64, "verify input");
            Backend.Upload<double>(t, host);
            return t;
        }

        /// <summary>An output tensor filled with all-ones bytes (NaN in bf16, fp32 and fp64).</summary>
        public GpuTensor Nan(long n, DType dtype)
        {
            var t = Alloc(n, dtype, "verify output");
            Backend.Fill(t, 0xFF);
            return t;
        }

        /// <summary>Waits for the work and downloads the first <paramref name="n"/> elements as floats.</summary>
        public float[] Down(GpuTensor t, long n)
        {
            var r = new float[n];
            switch (t.DType)
            {
                case DType.BF16:
                    var h = new BFloat16[n];
                    Backend.Download<BFloat16>(h, t);
                    NumericConvert.BFloat16ToSingle(h, r);
                    break;
                case DType.F32:
                    Backend.Download<float>(r, t);
                    break;
                default: throw new ArgumentException($"cannot download {t.DType} as floats", nameof(t));
            }
            return r;
        }

        /// <summary>Downloads <paramref name="gpu"/> and adds a row comparing it with <paramref name="cpu"/>.</summary>
        public void Compare(string op, string shape, string output, GpuTensor gpu, float[] cpu, double? threshold = null)
        {
            var got = Down(gpu, cpu.Length);
            Rows.Add(new VerifyRow(Family, op, shape, output, gpu.DType, ErrorMetrics.Compare(got, cpu), threshold ?? NmseThresholds.For(gpu.DType)));
        }
    }

    static float[] RoundBf16(float[] a)
    {
        var r = new float[a.Length];
        for (int i = 0; i < a.Length; i++) r[i] = BFloat16.FromSingle(a[i]).ToSingle();
        return r;
    }

    static string Lower(DType t) => KernelPlans.Suffix(t);
}
