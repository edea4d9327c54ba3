namespace NativeWan.Tests.Ops.Cuda;

/// <summary>A theory that runs kernels on the host emulator: skipped when no C++ compiler can build it.</summary>
public sealed class EmulatorTheoryAttribute : TheoryAttribute
{
    public EmulatorTheoryAttribute()
    {
        if (CudaKernelEmulator.Compiler is null) Skip = "no host C++ compiler (g++/clang++) to build the CUDA emulator";
    }
}

/// <summary>A fact that runs kernels on the host emulator: skipped when no C++ compiler can build it.</summary>
public sealed class EmulatorFactAttribute : FactAttribute
{
    public EmulatorFactAttribute()
    {
        if (CudaKernelEmulator.Compiler is null) Skip = "no host C++ compiler (g++/clang++) to build the CUDA emulator";
    }
}
