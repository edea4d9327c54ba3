namespace NativeWan.Training;

/// <summary>Receives what a <see cref="TrainJob"/> does (the console UI, a test). Calls come from the training thread.</summary>
public interface ITrainObserver
{
    /// <summary>An informational line (loading models, scanning data, resuming).</summary>
    void Info(string message);

    /// <summary>A warning (ignored flags, dataset oddities, unused LoRA keys…).</summary>
    void Warning(string message);

    /// <summary>An evaluation loss on the fixed evaluation set (<paramref name="when"/> = "start" or "end").</summary>
    void Evaluation(string when, int step, double loss);

    /// <summary>One optimizer step finished (<paramref name="epoch"/> 1-based, <paramref name="totalSteps"/> = the run's max).</summary>
    void Step(TrainProgress progress, int epoch, int totalSteps);

    /// <summary>A file (LoRA, state, metrics) was written.</summary>
    void Saved(string path);
}
