namespace NativeWan.Generation;

/// <summary>
/// One line of a musubi-tuner sample-prompts file (<c>--sample_prompts</c>, MT <c>training/sampling_prompts.py</c>
/// <c>line_to_prompt_dict</c>): <c>prompt --w W --h H --f F --d SEED --s STEPS --l CFG --fs SHIFT --n NEGATIVE --i IMAGE</c>.
/// Unset values are null; <see cref="PreviewSampler"/> fills its defaults.
/// </summary>
/// <param name="Index">0-based position among the prompts of the file (musubi <c>enum</c>; names the output file).</param>
/// <param name="Prompt">Text before the first <c>" --"</c>, trimmed.</param>
/// <param name="Width"><c>--w</c>: width in pixels.</param>
/// <param name="Height"><c>--h</c>: height in pixels.</param>
/// <param name="Frames"><c>--f</c>: pixel frames.</param>
/// <param name="Seed"><c>--d</c>: noise seed.</param>
/// <param name="Steps"><c>--s</c>: solver steps, clamped to 1…1000 as musubi does.</param>
/// <param name="GuidanceScale"><c>--l</c>: CFG scale (musubi <c>cfg_scale</c>), applied to both experts.</param>
/// <param name="Shift"><c>--fs</c>: flow shift (musubi <c>discrete_flow_shift</c>).</param>
/// <param name="NegativePrompt"><c>--n</c>: negative prompt (rest of that option).</param>
/// <param name="ImagePath"><c>--i</c>: start image for I2V.</param>
/// <param name="Ignored">Options read but not used for Wan 2.2 (<c>--g</c> embedded guidance, <c>--ei</c>, <c>--cn</c>,
/// <c>--ci</c>, <c>--of</c>) and unknown ones, as written.</param>
public sealed record SamplePrompt(int Index, string Prompt, int? Width = null, int? Height = null, int? Frames = null, ulong? Seed = null,
    int? Steps = null, float? GuidanceScale = null, double? Shift = null, string? NegativePrompt = null, string? ImagePath = null,
    IReadOnlyList<string>? Ignored = null);
