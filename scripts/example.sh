#!/usr/bin/env bash
# The main job on the shipped tiny example (examples/tiny), writing under out/example/:
#   init-tiny (tiny Wan 2.2 models, random weights) -> cache-latents -> cache-text
#   -> train one LoRA per expert (high noise / low noise), with preview videos -> inspect the LoRA files.
# Installs ffmpeg when missing (as root on Debian). NW_EXAMPLE_STEPS overrides the number of training steps.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/deps.sh
nw_need_dotnet
nw_need_ffmpeg
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
steps="${NW_EXAMPLE_STEPS:-300}"
sample_every=$(( steps / 3 > 0 ? steps / 3 : 1 ))
out=out/example
models=$out/models

echo "== building nativewan"
dotnet build src/NativeWan.Cli/NativeWan.Cli.csproj -c Release -v q -nologo >/dev/null
nw() { dotnet src/NativeWan.Cli/bin/Release/net10.0/nativewan.dll "$@"; }

echo "== 1/4 tiny models (real Wan 2.2 architectures, deterministic random weights)"
nw init-tiny --output_dir "$models" --spm examples/tiny/spiece.model

echo "== 2/4 caching VAE latents"
nw cache-latents --dataset_config examples/tiny/dataset.toml --vae "$models/wan2.1_vae_tiny.safetensors"

echo "== 3/4 caching umT5 text embeddings"
nw cache-text --dataset_config examples/tiny/dataset.toml --t5 "$models/umt5_tiny_with_tokenizer.safetensors" --text_len 64

echo "== 4/4 training a LoRA per expert ($steps steps, boundary 0.875)"
rm -rf "$out/lora"
nw train --task t2v-A14B \
  --dit "$models/wan2.2_t2v_low_noise_tiny.safetensors" \
  --dit_high_noise "$models/wan2.2_t2v_high_noise_tiny.safetensors" \
  --dataset_config examples/tiny/dataset.toml \
  --network_dim 4 --network_alpha 4 --learning_rate 1e-3 --lr_scheduler constant \
  --timestep_sampling shift --discrete_flow_shift 3 --seed 42 \
  --max_train_steps "$steps" --save_every_n_steps "$sample_every" --save_state \
  --vae "$models/wan2.1_vae_tiny.safetensors" --t5 "$models/umt5_tiny_with_tokenizer.safetensors" \
  --sample_prompts examples/tiny/sample_prompts.txt --sample_every_n_steps "$sample_every" --sample_at_first \
  --output_dir "$out/lora" --output_name tiny_example

echo "== the LoRA files"
nw inspect --summary "$out/lora/tiny_example_high_noise.safetensors" "$out/lora/tiny_example_low_noise.safetensors"
echo
echo "LoRAs:    $out/lora/tiny_example_high_noise.safetensors, $out/lora/tiny_example_low_noise.safetensors"
echo "previews: $(ls "$out"/lora/*.mp4 | tr '\n' ' ')"
echo "metrics:  $out/lora/tiny_example_metrics.jsonl"
