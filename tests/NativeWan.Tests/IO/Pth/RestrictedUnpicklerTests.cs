using NativeWan.IO;
using NativeWan.IO.Pth;

namespace NativeWan.Tests.IO.Pth;

/// <summary>Opcode-level checks of the allow-list unpickler on hand-written pickles.</summary>
public class RestrictedUnpicklerTests
{
    static object? Load(PickleBuilder p) => RestrictedUnpickler.Load("test.pth", "archive/data.pkl", p.ToArray());

    static void Refused(PickleBuilder p, string expected)
    {
        var ex = Assert.Throws<ModelFileException>(() => Load(p));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void OtherGlobals_RefusedWhenNamed()
    {
        // refused at GLOBAL, before REDUCE could be reached
        Refused(new PickleBuilder().Proto().Global("builtins", "eval").Str("1").Op(0x85).Reduce().Stop(), "refused global 'builtins.eval'");
        Refused(new PickleBuilder().Proto().Global("torch", "Size").Stop(), "refused global 'torch.Size'");
        Refused(new PickleBuilder().Proto(4).Str("torch._utils").Str("_rebuild_tensor").Op(0x93).Stop(), "refused global 'torch._utils._rebuild_tensor'");
    }

    [Fact]
    public void DangerousOpcodes_Refused()
    {
        Refused(new PickleBuilder().Proto().Mark().Global("collections", "OrderedDict").Op('o').Stop(), "OBJ");
        Refused(new PickleBuilder().Proto().Op(0x82, 1).Stop(), "EXT1");
        Refused(new PickleBuilder().Proto().Op('P').Op("0\n"u8.ToArray()).Stop(), "PERSID");
        Refused(new PickleBuilder().Proto().EmptyDict().EmptyDict().Op('b').Stop(), "refused BUILD on a dict");
        Refused(new PickleBuilder().Proto().Global("torch", "FloatStorage").EmptyTuple().Reduce().Stop(), "'torch.FloatStorage': it may be named but not called");
        Refused(new PickleBuilder().Proto().Global("torch", "FloatStorage").EmptyTuple().Op(0x81).Stop(), "refused NEWOBJ on global 'torch.FloatStorage'");
        Refused(new PickleBuilder().Proto().Mark().Str("module").Str("x").Tuple().Op('Q').Stop(), "refused persistent id");
        Refused(new PickleBuilder().Proto().Op('S').Op("'x'\n"u8.ToArray()).Stop(), "opcode 0x53");
    }

    [Fact]
    public void MalformedPickles_ClearErrors()
    {
        Refused(new PickleBuilder().Proto().EmptyDict(), "truncated");
        Refused(new PickleBuilder().Op(new PickleBuilder().Proto().Str("abc").ToArray()[..^1]), "truncated");
        Refused(new PickleBuilder().Proto().Reduce().Stop(), "stack underflow");
        Refused(new PickleBuilder().Proto().Op((byte)'h', 7).Stop(), "memo index 7");
        Refused(new PickleBuilder().Proto()
            .Tensor("FloatStorage", "0", 4, 2, [3], [1]).Stop(), "reaches element 4 of storage '0' which has 4");
    }

    [Fact]
    public void Protocol4OrderedDictViaNewobjAndLeaves_Accepted()
    {
        var p = new PickleBuilder().Proto(4).Op(0x95, 0, 0, 0, 0, 0, 0, 0, 0)
            .Op(0x8c, 11).Op("collections"u8.ToArray()).Op(0x94).Op(0x8c, 11).Op("OrderedDict"u8.ToArray()).Op(0x94)
            .Op(0x93).Op(0x94).EmptyTuple().Op(0x81).Op(0x94)
            .Mark().Str("lr").Float(0.25).Str("step").Int(-5).Str("big").Int(1L << 40).SetItems()
            .Op((byte)'h', 2).EmptyTuple().Reduce().Op('b') // BUILD with an OrderedDict state: allowed, ignored
            .Stop();
        var d = Assert.IsType<PickleDict>(Load(p));
        Assert.True(d.IsOrderedDict);
        Assert.Equal(["lr", "step", "big"], d.Items.Select(kv => (string)kv.Key));
        Assert.Equal(0.25, d.Items[0].Value);
        Assert.Equal(-5L, d.Items[1].Value);
        Assert.Equal(1L << 40, d.Items[2].Value);
    }
}
