using System.Reflection;
using CommandLine;
using NativeWan.Cli.Commands;
using NativeWan.Config.Toml;
using NativeWan.Training.Config;

namespace NativeWan.Tests.Training;

public class TrainArgsTests
{
    static TrainOptions Parse(params string[] argv)
    {
        var parser = new Parser(s => { s.HelpWriter = null; s.CaseInsensitiveEnumValues = true; });
        TrainOptions? o = null;
        parser.ParseArguments<TrainOptions>(argv).WithParsed(x => o = x).WithNotParsed(e => Assert.Fail("parse failed: " + string.Join("; ", e)));
        return o!;
    }

    [Fact]
    public void MusubiCommandLineIsParsed()
    {
        var o = Parse("--dit", "low.safetensors", "--dit_high_noise", "high.safetensors", "--task", "i2v-A14B", "--timestep_boundary", "875",
            "--network_module", "networks.lora_wan", "--network_dim", "16", "--network_alpha", "8",
            "--network_args", "exclude_patterns=[r'.*ffn.*']", "include_patterns=['.*ffn.2']",
            "--optimizer_type", "adamw", "--optimizer_args", "weight_decay=0.1", "betas=0.9,0.99",
            "--learning_rate", "2e-4", "--lr_scheduler", "cosine", "--lr_warmup_steps", "0.1", "--logit_mean=-0.5",
            "--max_train_epochs", "3", "--seed", "42", "--gradient_checkpointing", "--shared_lora", "--save_precision", "bf16",
            "--mixed_precision", "bf16", "--sdpa", "--fp8_base", "--output_dir", "out", "--output_name", "x");
        var (a, warnings) = TrainCommand.BuildArgs(o);
        Assert.Empty(warnings);
        Assert.Equal("low.safetensors", a.Dit);
        Assert.Equal("high.safetensors", a.DitHighNoise);
        Assert.Equal("i2v-A14B", a.Task);
        Assert.Equal(0.875, a.TimestepBoundary);
        Assert.Equal(16, a.NetworkDim);
        Assert.Equal(8.0, a.NetworkAlpha);
        Assert.Equal(["exclude_patterns=[r'.*ffn.*']", "include_patterns=['.*ffn.2']"], a.NetworkArgs);
        Assert.Equal(["weight_decay=0.1", "betas=0.9,0.99"], a.OptimizerArgsList);
        var adam = OptimizerArgs.ParseAdamW(a.OptimizerArgsList);
        Assert.Equal((0.9, 0.99, 0.1), (adam.Beta1, adam.Beta2, adam.WeightDecay));
        Assert.Equal(2e-4, a.LearningRate);
        Assert.Equal(new WarmupSteps(0.1, true), a.LrWarmupSteps);
        Assert.Equal(-0.5, a.LogitMean);
        Assert.Equal(3, a.MaxTrainEpochs);
        Assert.Equal(42L, a.Seed);
        Assert.True(a.GradientCheckpointing && a.SharedLora);
        Assert.Equal("bf16", a.SavePrecision);
        Assert.Equal(["fp8_base", "mixed_precision", "sdpa"], a.IgnoredGiven.Select(x => x.Key).Order());
        // untouched keys keep musubi's defaults
        Assert.Equal(1600, a.MaxTrainSteps);
        Assert.Equal("sigma", a.TimestepSampling);
        Assert.Equal(1.0, a.DiscreteFlowShift);
        Assert.False(a.IsGiven("discrete_flow_shift"));
    }

    [Fact]
    public void EveryKeyIsAFlagAndEveryFlagIsAKey()
    {
        var flags = typeof(TrainOptions).GetProperties().Select(p => p.GetCustomAttribute<OptionAttribute>()!.LongName).ToHashSet();
        Assert.All(TrainArgs.Keys, k => Assert.Contains(k, flags));
        Assert.All(TrainArgs.IgnoredKeys, k => Assert.Contains(k, flags));
        Assert.All(flags, f => Assert.True(TrainArgs.IsKnown(f), f));
        Assert.Equal(TrainArgs.Keys.Count + TrainArgs.IgnoredKeys.Count, flags.Count);
    }

    [Fact]
    public void FlagsOverrideTheConfigFileAndUnknownKeysAreNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-cfg-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, """
            dit = "from_file.safetensors"
            network_dim = 32
            learning_rate = 1e-4
            netwrk_alpha = 2

            [optimizer]
            optimizer_args = ["weight_decay=0.05"]
            lr_warmup_steps = 0.25
            timestep_boundary = 0.9
            max_grad_nrom = 3
            blocks_to_swap = 20
            """);
        try
        {
            // musubi appends .toml when the name lacks it
            var o = new TrainOptions { ConfigFile = path[..^5], NetworkDim = "8", OutputName = "cli" };
            var (a, warnings) = TrainCommand.BuildArgs(o);
            Assert.Equal(8, a.NetworkDim);                      // flag wins
            Assert.Equal(1e-4, a.LearningRate);                 // from the file
            Assert.Equal("from_file.safetensors", a.Dit);
            Assert.Equal(["weight_decay=0.05"], a.OptimizerArgsList); // from a [section]
            Assert.Equal(new WarmupSteps(0.25, true), a.LrWarmupSteps);
            Assert.Equal(25, a.LrWarmupSteps.Resolve(100));
            Assert.Equal(0.9, a.TimestepBoundary);
            Assert.Equal("cli", a.OutputName);
            Assert.Equal("--network_dim", a.Sources["network_dim"]);
            Assert.Equal($"{path}:3:1", a.Sources["learning_rate"]);
            var unknown = Assert.Single(warnings);
            Assert.Contains("netwrk_alpha (line 4)", unknown);
            Assert.Contains("optimizer.max_grad_nrom (line 10)", unknown);
            Assert.Equal("blocks_to_swap", Assert.Single(a.IgnoredGiven).Key);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("network_dim = \"eight\"", "network_dim", "is not an integer")]
    [InlineData("learning_rate = true", "learning_rate", "expected a number")]
    [InlineData("lr_scheduler = \"cosine_annealing\"", "lr_scheduler", "unknown lr_scheduler")]
    [InlineData("lr_warmup_steps = 1.5", "lr_warmup_steps", "fraction")]
    [InlineData("optimizer_type = \"Prodigy\"", "optimizer_type", "not supported yet")]
    [InlineData("task = \"t2v-14B\"", "task", "not supported yet")]
    [InlineData("min_timestep = 1200", "min_timestep", "0…1000")]
    public void BadConfigValuesReportLineAndColumn(string line, string key, string reason)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-cfg-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, $"# config\n[training]\n  {line}\n");
        try
        {
            var ex = Assert.Throws<TomlException>(() => TrainConfigFile.Apply(new TrainArgs(), path));
            Assert.Equal((3, 3), (ex.Line, ex.Column));
            Assert.StartsWith($"{path}:3:3: ", ex.Message);
            Assert.Contains($"'training.{key}'", ex.Message);
            Assert.Contains(reason, ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("learning_rate", "abc", "--learning_rate: 'abc' is not a number")]
    [InlineData("network_dim", "0", "--network_dim: must be at least 1")]
    [InlineData("timestep_boundary", "1001", "--timestep_boundary")]
    [InlineData("lora_format", "kohya", "--lora_format: unknown lora_format 'kohya'")]
    [InlineData("resolution", "960", null)]
    public void BadFlagValuesNameTheFlag(string key, string value, string? message)
    {
        var o = new TrainOptions();
        typeof(TrainOptions).GetProperties().Single(p => p.GetCustomAttribute<OptionAttribute>()!.LongName == key).SetValue(o, value);
        if (message is null)
        {
            Assert.Equal(new NativeWan.Data.Resolution(960, 960), TrainCommand.BuildArgs(o).Args.Resolution); // one side = square, as musubi
            return;
        }
        var ex = Assert.Throws<ArgumentException>(() => TrainCommand.BuildArgs(o));
        Assert.StartsWith(message, ex.Message);
    }

    [Theory]
    [InlineData("100", 100, 1000)]
    [InlineData("0", 0, 1000)]
    [InlineData("0.1", 100, 1000)]
    [InlineData("0.05", 8, 170)]   // int(0.05 · 170) = 8
    [InlineData("1e-1", 17, 170)]
    public void WarmupIsStepsOrAFractionOfTheTotal(string text, int expected, int total) =>
        Assert.Equal(expected, WarmupSteps.Parse(text).Resolve(total));

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(2e-6, "2e-06")]
    [InlineData(0.0002, "0.0002")]
    [InlineData(1e-4, "0.0001")]
    [InlineData(0.875, "0.875")]
    [InlineData(123.456, "123.456")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1234567890123456.0, "1234567890123456.0")]
    [InlineData(-3.5e-7, "-3.5e-07")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    public void FloatsArePrintedAsPythonStr(double v, string expected) => Assert.Equal(expected, PythonRepr.Float(v));

    [Fact]
    public void JsonIsPrintedAsPythonJsonDumps() =>
        Assert.Equal("[{\"resolution\": [960, 544], \"caption_extension\": null, \"enable_bucket\": true, \"source_fps\": 2.0, \"name\": \"caf\\u00e9\"}]",
            PythonRepr.Json(new[] { new List<KeyValuePair<string, object?>>
            {
                new("resolution", new[] { 960, 544 }), new("caption_extension", null), new("enable_bucket", true), new("source_fps", 2.0), new("name", "café"),
            } }));
}
