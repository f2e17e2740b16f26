"""Benchmark of the MNIST training loops of notebooks 07_07-07_09 on all three Keras backends.

    .venv/bin/python bench/benchmark_loops.py                      # the README table
    .venv/bin/python bench/benchmark_loops.py --quick              # a smoke test of every mode
    .venv/bin/python bench/benchmark_loops.py --output bench/results.md --peak-gflops 156.5

The same model (the book's MLP: 784 -> 512 -> 10 with dropout, RMSprop, loss and accuracy
tracked) is trained at batch sizes 32 and 128 by:

- TensorFlow: `fit()` (`jit_compile="auto"`, which is off on a CPU), `fit()` with
  `jit_compile=True` (XLA), `fit()` with `steps_per_execution`, the `tf.function` GradientTape
  loop of 07_07 and the same loop run eagerly;
- JAX: `fit()` (`"auto"` compiles with `jax.jit`), `fit()` with `jit_compile=False` (eager),
  `fit()` with `steps_per_execution`, and the stateless `jax.jit` loop of 07_08;
- PyTorch: `fit()` (`"auto"` runs eagerly), `fit()` with `jit_compile=True` (`torch.compile`),
  and the eager `zero_grad()` / `backward()` loop of 07_09. The PyTorch backend accepts only
  `steps_per_execution=1`, so that row says so instead of giving a number.

Each backend runs in its own Python process with KERAS_BACKEND set before Keras is imported
(this script starts itself once per backend with `--worker`). Each mode gets a fresh model; it
first runs the timed batches once as a warm-up (tracing and compiling are not timed), then
`--repeats` more times over the same batches; the table gives the median with the minimum and
maximum of those repeats. Slow eager modes run `--eager-steps` batches instead of `--steps`.
Set OMP_WAIT_POLICY=PASSIVE on a CPU shared with other work: PyTorch's OpenMP threads otherwise
spin while they wait and can make its steps many times slower there.

FLOPs per training step, per sample (multiply-adds count 2; element-wise work is left out):
    forward          2 * (784*512 + 512*10)
    backward         weight gradients of both layers  2 * (784*512 + 512*10)
                     + input gradient of the later layer only  2 * 512*10
                     (the first layer needs no gradient with respect to the pixels)
    total            2 * forward + 2*512*10 = 1,636,352 FLOPs per sample
Peak FLOP/s = cores x clock x FP32 FLOPs per cycle per core: cores are the CPUs this process may
run on (os.sched_getaffinity), the clock is the one /proc/cpuinfo reports, and FLOPs per cycle
come from the vector units its flags show (AVX-512 with FMA: 64, AVX2 with FMA: 32 = two
256-bit FMA units x 8 lanes x 2, AVX: 16, otherwise 8). Turbo clocks are not counted, and in a
virtual machine two vCPUs may be hyper-threads of one physical core: when /proc/cpuinfo cannot
be trusted (or does not exist), give the peak with --peak-gflops.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BACKENDS = ("tensorflow", "jax", "torch")
BATCH_SIZES = (32, 128)
FORWARD_FLOPS_PER_SAMPLE = 2 * (784 * 512 + 512 * 10)
BACKWARD_FLOPS_PER_SAMPLE = 2 * (784 * 512 + 512 * 10) + 2 * 512 * 10
FLOPS_PER_SAMPLE = FORWARD_FLOPS_PER_SAMPLE + BACKWARD_FLOPS_PER_SAMPLE
SHARED_MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "..", "shared", "datasets", "mnist.npz")


# ----------------------------------------------------------------------------- the CPU's peak

def cpu_peak(peak_gflops=None):
    """(peak FLOP/s or None, description)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if peak_gflops:
        return peak_gflops * 1e9, f"{peak_gflops:.1f} GFLOP/s (given with --peak-gflops)"
    mhz, flags, model = None, set(), "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "cpu MHz" and mhz is None:
                    mhz = float(value)
                elif key == "flags" and not flags:
                    flags = set(value.split())
                elif key == "model name" and model == "unknown CPU":
                    model = value
    except (OSError, ValueError):
        pass
    if not mhz or not flags:
        return None, "unknown (no usable /proc/cpuinfo: give --peak-gflops)"
    if "avx512f" in flags and "fma" in flags:
        per_cycle = 64
    elif "avx2" in flags and "fma" in flags:
        per_cycle = 32
    elif "avx" in flags:
        per_cycle = 16
    else:
        per_cycle = 8
    ghz = mhz / 1000
    peak = cores * ghz * 1e9 * per_cycle
    text = (f"{model}: {cores} cores (os.sched_getaffinity) x {ghz:.2f} GHz x {per_cycle} "
            f"FP32 FLOPs/cycle = {peak / 1e9:.1f} GFLOP/s, nominal (no turbo)")
    if "hypervisor" in flags:
        text += ("; a virtual machine: its vCPUs may share physical cores, so the real peak "
                 "may be lower (use --peak-gflops)")
    return peak, text


# ----------------------------------------------------------------------------- one backend
# These functions run in a worker process whose KERAS_BACKEND was set before Keras is imported.

def load_mnist(path):
    import numpy as np
    import keras

    if path:
        with np.load(path) as data:
            x, y = data["x_train"], data["y_train"]
    else:
        (x, y), _ = keras.datasets.mnist.load_data()
    return x.reshape(-1, 784).astype("float32") / 255, y


def get_model():
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(512, activation="relu")(inputs)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def new_tools():
    """The loss, optimizer and the two metrics every hand-written loop uses."""
    import keras

    return (keras.losses.SparseCategoricalCrossentropy(), keras.optimizers.RMSprop(),
            keras.metrics.SparseCategoricalAccuracy(), keras.metrics.Mean())


def time_fit(x, y, batch, steps, repeats, **compile_kwargs):
    """fit(): one epoch of `steps` batches per run; the first epoch is the warm-up.

    The timer runs from on_epoch_begin to on_epoch_end: it includes computing the epoch's
    results (and on JAX the state sync), not the metric reset, which fit() does before
    on_epoch_begin.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    model = get_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], **compile_kwargs)
    n, timer = batch * steps, EpochTimer()
    model.fit(x[:n], y[:n], batch_size=batch, epochs=repeats + 1, verbose=0, shuffle=False,
              callbacks=[timer])
    return [s / steps for s in timer.seconds[1:]]


def tensorflow_loop(model, compiled=True):
    """07_07's GradientTape step, in a tf.function or eager."""
    import tensorflow as tf

    loss_fn, optimizer, accuracy, mean_loss = new_tools()

    def train_step(inputs, targets):
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)
            loss = loss_fn(targets, predictions)
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply(gradients, model.trainable_weights)
        accuracy.update_state(targets, predictions)
        mean_loss.update_state(loss)
        return mean_loss.result()

    return tf.function(train_step) if compiled else train_step


def jax_loop(model):
    """07_08's stateless step under jax.jit; the state lives in this closure."""
    import jax

    loss_fn, optimizer, accuracy, mean_loss = new_tools()
    optimizer.build(model.trainable_variables)

    def compute_loss(trainable, non_trainable, inputs, targets):
        predictions, non_trainable = model.stateless_call(
            trainable, non_trainable, inputs, training=True)
        return loss_fn(targets, predictions), (predictions, non_trainable)

    @jax.jit
    def jax_step(state, inputs, targets):
        trainable, non_trainable, optimizer_vars, accuracy_vars, loss_vars = state
        (loss, (predictions, non_trainable)), grads = jax.value_and_grad(
            compute_loss, has_aux=True)(trainable, non_trainable, inputs, targets)
        trainable, optimizer_vars = optimizer.stateless_apply(optimizer_vars, grads, trainable)
        accuracy_vars = accuracy.stateless_update_state(accuracy_vars, targets, predictions)
        loss_vars = mean_loss.stateless_update_state(loss_vars, loss)
        state = (trainable, non_trainable, optimizer_vars, accuracy_vars, loss_vars)
        return mean_loss.stateless_result(loss_vars), state

    state = tuple([v.value for v in variables] for variables in (
        model.trainable_variables, model.non_trainable_variables, optimizer.variables,
        accuracy.variables, mean_loss.variables))

    def train_step(inputs, targets):
        nonlocal state
        loss, state = jax_step(state, inputs, targets)
        return loss

    return train_step


def torch_loop(model):
    """07_09's eager zero_grad() / backward() step."""
    import torch

    loss_fn, optimizer, accuracy, mean_loss = new_tools()

    def train_step(inputs, targets):
        predictions = model(inputs, training=True)
        loss = loss_fn(targets, predictions)
        model.zero_grad()
        loss.backward()
        gradients = [v.value.grad for v in model.trainable_weights]
        with torch.no_grad():
            optimizer.apply(gradients, model.trainable_weights)
            accuracy.update_state(targets, predictions)
            mean_loss.update_state(loss)
        return mean_loss.result()

    return train_step


def time_loop(x, y, batch, steps, repeats, make_loop, **loop_kwargs):
    """A hand-written loop over the same `steps` batches; the first pass is the warm-up."""
    import keras

    train_step = make_loop(get_model(), **loop_kwargs)
    batches = [(x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]) for i in range(steps)]
    runs = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        for inputs, targets in batches:
            loss = train_step(inputs, targets)
        keras.ops.convert_to_numpy(loss)  # waits for JAX's asynchronous dispatch
        runs.append((time.perf_counter() - start) / steps)
    return runs[1:]


def modes(backend, spe):
    """(name, slow, how to time it) per mode; slow modes run --eager-steps batches."""
    fit = lambda **kw: lambda *a: time_fit(*a, **kw)
    loop = lambda make, **kw: lambda *a: time_loop(*a, make, **kw)
    spe_name = f"fit(), steps_per_execution={spe}"
    return {
        "tensorflow": [("fit()", False, fit()),
                       ("fit(), jit_compile=True", False, fit(jit_compile=True)),
                       (spe_name, False, fit(steps_per_execution=spe)),
                       ("tf.function loop", False, loop(tensorflow_loop)),
                       ("eager loop", True, loop(tensorflow_loop, compiled=False))],
        "jax": [("fit()", False, fit()),
                ("fit(), jit_compile=False", True, fit(jit_compile=False)),
                (spe_name, False, fit(steps_per_execution=spe)),
                ("jax.jit loop", False, loop(jax_loop))],
        "torch": [("fit()", False, fit()),
                  ("fit(), jit_compile=True", False, fit(jit_compile=True)),
                  (spe_name, False, None),  # the PyTorch backend accepts only 1
                  ("eager loop (zero_grad/backward)", False, loop(torch_loop))],
    }[backend]


def worker(args):
    """Times every mode of this process's backend; prints one JSON line per mode."""
    import keras

    backend = keras.backend.backend()
    if backend != args.worker:
        raise SystemExit(f"asked for {args.worker}, Keras runs on {backend}")
    x, y = load_mnist(args.mnist)
    print(json.dumps({"backend": backend, "version": __import__(backend).__version__,
                      "keras": keras.__version__}), flush=True)
    for batch in args.batch_sizes:
        for name, slow, run in modes(backend, args.steps_per_execution):
            steps = args.eager_steps if slow else args.steps
            row = {"backend": backend, "batch": batch, "mode": name, "steps": steps}
            if run is None:
                row["error"] = "not supported: the PyTorch backend accepts only steps_per_execution=1"
            else:
                try:
                    row["seconds_per_step"] = run(x, y, batch, steps, args.repeats)
                except Exception as error:  # a mode that fails here is reported, not fatal
                    row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:150]}"
            print(json.dumps(row), flush=True)


# ----------------------------------------------------------------------------- the table

def run_backend(backend, args):
    """Starts this script as a worker for one backend; returns (header, rows)."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", backend,
               "--steps", str(args.steps), "--eager-steps", str(args.eager_steps),
               "--repeats", str(args.repeats), "--steps-per-execution",
               str(args.steps_per_execution), "--batch-sizes", *map(str, args.batch_sizes)]
    if args.mnist:
        command += ["--mnist", args.mnist]
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ, "KERAS_BACKEND": backend}
    print(f"[{backend}] running ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    print(f"[{backend}] {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return None, [{"backend": backend, "batch": "-", "mode": "(all)", "steps": 0,
                       "error": f"worker exited with {done.returncode}: "
                                + (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}]
    return lines[0], lines[1:]


def format_table(headers, rows, peak, peak_text, args):
    out = []
    versions = ", ".join(f"{h['backend']} {h['version']}" for h in headers if h)
    keras_version = next((h["keras"] for h in headers if h), "?")
    out.append(f"Keras {keras_version}; {versions}")
    out.append(f"Run: {args.started} UTC, load average (1 min) {args.loads[0]:.2f} before, "
               f"{args.loads[1]:.2f} after, {os.cpu_count()} CPUs")
    out.append(f"Peak: {peak_text}")
    out.append(f"Steps per run: {args.steps} ({args.eager_steps} for eager modes marked *), "
               f"{args.repeats} timed runs after one warm-up run; ms/step is the median "
               f"(min-max). FLOPs per sample: {FLOPS_PER_SAMPLE:,} "
               f"(forward {FORWARD_FLOPS_PER_SAMPLE:,} + backward {BACKWARD_FLOPS_PER_SAMPLE:,}).")
    out.append("")
    out.append("| 백엔드 | 배치 | 방식 | ms/스텝 (최소–최대) | 샘플/초 | 같은 백엔드 `fit()` 대비 "
               "| 최고 성능 대비 % |")
    out.append("|---|---:|---|---:|---:|---:|---:|")
    base = {}
    for row in rows:
        key = (row["backend"], row["batch"])
        name = row["mode"] + (" *" if row["steps"] == args.eager_steps != args.steps else "")
        if "error" in row:
            out.append(f"| {row['backend']} | {row['batch']} | {name} | {row['error']} "
                       "| | | |")
            continue
        runs = row["seconds_per_step"]
        median = statistics.median(runs)
        if row["mode"] == "fit()":
            base[key] = median
        relative = f"{base[key] / median:.2f}x" if key in base else "n/a"
        flops = FLOPS_PER_SAMPLE * row["batch"] / median
        share = f"{100 * flops / peak:.1f}" if peak else "n/a"
        out.append(f"| {row['backend']} | {row['batch']} | {name} | {1000 * median:.2f} "
                   f"({1000 * min(runs):.2f}–{1000 * max(runs):.2f}) | "
                   f"{row['batch'] / median:,.0f} | {relative} | {share} |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=320,
                        help="timed steps per run (a multiple of --steps-per-execution)")
    parser.add_argument("--eager-steps", type=int, default=60,
                        help="timed steps per run for the slow eager modes")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--steps-per-execution", type=int, default=32)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=list(BATCH_SIZES))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--mnist", default=SHARED_MNIST if os.path.exists(SHARED_MNIST) else None,
                        help="an mnist.npz to read instead of keras.datasets (default: "
                             "../shared/datasets/mnist.npz beside the repository when it exists)")
    parser.add_argument("--peak-gflops", type=float,
                        help="the CPU's peak FP32 GFLOP/s, when /proc/cpuinfo cannot be trusted")
    parser.add_argument("--output", help="also write the Markdown table to this file")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 32 steps (3 eager), 1 timed run, batch 32 only")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.steps, args.eager_steps, args.repeats, args.batch_sizes = 32, 3, 1, [32]
    if args.worker:
        return worker(args)

    peak, peak_text = cpu_peak(args.peak_gflops)
    args.started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    args.loads = [os.getloadavg()[0]]
    headers, rows = [], []
    for backend in args.backends:
        header, backend_rows = run_backend(backend, args)
        headers.append(header)
        rows += backend_rows
    args.loads.append(os.getloadavg()[0])
    table = format_table(headers, rows, peak, peak_text, args)
    print(table)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(table + "\n")
    return 0 if all("error" not in r or r["error"].startswith("not supported") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
