using System.Text;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>Kind of module image.</summary>
public enum KernelImageKind
{
    /// <summary>SASS for one real architecture (sm_XX), from NVRTC.</summary>
    Cubin,
    /// <summary>PTX for a virtual architecture (compute_XX), NUL-terminated; the driver JIT-compiles it.</summary>
    Ptx,
    /// <summary>nvcc fat binary (several cubins + PTX), built by CMake.</summary>
    Fatbin,
}

/// <summary>What to compile: the program name used in diagnostics, the main source text and the NVRTC options.</summary>
public sealed record NvrtcRequest(string Name, string Source, IReadOnlyList<string> Options, KernelImageKind Kind);

/// <summary>The result of one NVRTC compilation: the image (empty on failure) and the full compiler log.</summary>
public sealed record NvrtcOutput(bool Success, byte[] Image, string Log);

/// <summary>A compiler function (the real NVRTC, <see cref="NvrtcLibrary.Compile"/>, or a fake in tests).</summary>
public delegate NvrtcOutput NvrtcCompile(NvrtcRequest request);

/// <summary>The NVRTC library: availability, version, supported architectures and compilation.</summary>
public static unsafe class NvrtcLibrary
{
    /// <summary>True when libnvrtc can be loaded.</summary>
    public static bool IsAvailable => NativeLibraries.IsAvailable(NativeLibraries.Nvrtc);

    /// <summary>NVRTC version (major, minor), e.g. (12, 4).</summary>
    /// <exception cref="DllNotFoundException">NVRTC is not installed.</exception>
    public static (int Major, int Minor) Version
    {
        get
        {
            EnsureLoaded();
            NvrtcNative.Check(NvrtcNative.nvrtcVersion(out int major, out int minor), "nvrtcVersion");
            return (major, minor);
        }
    }

    /// <summary>"major.minor", e.g. "12.4".</summary>
    public static string VersionString { get { var (a, b) = Version; return $"{a}.{b}"; } }

    /// <summary>Real architectures this NVRTC can emit cubins for (10·major + minor, ascending).</summary>
    /// <exception cref="DllNotFoundException">NVRTC is not installed.</exception>
    public static int[] SupportedArchs()
    {
        EnsureLoaded();
        NvrtcNative.Check(NvrtcNative.nvrtcGetNumSupportedArchs(out int n), "nvrtcGetNumSupportedArchs");
        var a = new int[n];
        fixed (int* p = a) NvrtcNative.Check(NvrtcNative.nvrtcGetSupportedArchs(p), "nvrtcGetSupportedArchs");
        Array.Sort(a);
        return a;
    }

    /// <summary>
    /// Compiles one program. A compilation error is not an exception here: the result has Success = false and the
    /// log (callers turn it into <see cref="NvrtcCompileException"/>).
    /// </summary>
    /// <exception cref="DllNotFoundException">NVRTC is not installed.</exception>
    /// <exception cref="CudaException">NVRTC failed for another reason (invalid option, out of memory, ...).</exception>
    public static NvrtcOutput Compile(NvrtcRequest request)
    {
        EnsureLoaded();
        byte[] src = Utf8Z(request.Source), name = Utf8Z(request.Name);
        var opts = request.Options.Select(Utf8Z).ToArray();
        var handles = new System.Runtime.InteropServices.GCHandle[opts.Length];
        nint prog = 0;
        try
        {
            byte** optPtrs = stackalloc byte*[Math.Max(1, opts.Length)];
            for (int i = 0; i < opts.Length; i++)
            {
                handles[i] = System.Runtime.InteropServices.GCHandle.Alloc(opts[i], System.Runtime.InteropServices.GCHandleType.Pinned);
                optPtrs[i] = (byte*)handles[i].AddrOfPinnedObject();
            }
            fixed (byte* s = src) fixed (byte* n = name)
                NvrtcNative.Check(NvrtcNative.nvrtcCreateProgram(out prog, s, n, 0, null, null), "nvrtcCreateProgram", request.Name);
            int rc = NvrtcNative.nvrtcCompileProgram(prog, opts.Length, optPtrs);
            string log = GetLog(prog);
            if (rc == NvrtcNative.ErrorCompilation) return new NvrtcOutput(false, Array.Empty<byte>(), log);
            NvrtcNative.Check(rc, "nvrtcCompileProgram", $"{request.Name} with options {string.Join(' ', request.Options)}" + (log.Length > 0 ? $"\n{log}" : ""));
            return new NvrtcOutput(true, request.Kind == KernelImageKind.Ptx ? GetPtx(prog) : GetCubin(prog), log);
        }
        finally
        {
            foreach (var h in handles) if (h.IsAllocated) h.Free();
            if (prog != 0) NvrtcNative.nvrtcDestroyProgram(&prog);
        }
    }

    static string GetLog(nint prog)
    {
        NvrtcNative.Check(NvrtcNative.nvrtcGetProgramLogSize(prog, out nuint size), "nvrtcGetProgramLogSize");
        if (size <= 1) return "";
        var buf = new byte[(int)size];
        fixed (byte* p = buf) NvrtcNative.Check(NvrtcNative.nvrtcGetProgramLog(prog, p), "nvrtcGetProgramLog");
        return Encoding.UTF8.GetString(buf, 0, buf.Length - 1).TrimEnd('\0');
    }

    static byte[] GetCubin(nint prog)
    {
        NvrtcNative.Check(NvrtcNative.nvrtcGetCUBINSize(prog, out nuint size), "nvrtcGetCUBINSize");
        var buf = new byte[(int)size];
        fixed (byte* p = buf) NvrtcNative.Check(NvrtcNative.nvrtcGetCUBIN(prog, p), "nvrtcGetCUBIN");
        return buf;
    }

    static byte[] GetPtx(nint prog)
    {
        NvrtcNative.Check(NvrtcNative.nvrtcGetPTXSize(prog, out nuint size), "nvrtcGetPTXSize");
        var buf = new byte[(int)size]; // includes the terminating NUL that cuModuleLoadData needs
        fixed (byte* p = buf) NvrtcNative.Check(NvrtcNative.nvrtcGetPTX(prog, p), "nvrtcGetPTX");
        return buf;
    }

    static byte[] Utf8Z(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    static void EnsureLoaded()
    {
        if (!IsAvailable) throw new DllNotFoundException(NativeLibraries.MissingReason(NativeLibraries.Nvrtc));
    }
}
