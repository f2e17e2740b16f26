"""Benchmark of the training loops of notebook 07_07 on MNIST (run by hand, not by `make test`).

    .venv/bin/python tests/benchmark_loops.py            # about two minutes on a 2-core CPU

The same model (the book's MLP: 784 -> 512 -> 10 with dropout, RMSprop) is trained by
`fit()`, a `tf.function` GradientTape loop, the same loop run eagerly, `fit()` with
`jit_compile=True` and `fit()` with `steps_per_execution`, at batch sizes 32 and 128. Each
mode gets a fresh model, a warm-up (tracing and compiling are not timed), then the median of
three timed runs over the same batches. The table gives ms/step, samples/s, the speed relative
to `fit()` at the same batch size, and the fraction of the CPU's peak arithmetic reached.

FLOPs per training step = 3 x forward FLOPs (the backward pass costs about twice the forward),
forward = 2 x (784*512 + 512*10) multiply-adds x batch size; element-wise work is left out.
Peak FLOP/s = cores x clock x FP32 FLOPs per cycle per core, where the clock is the one
/proc/cpuinfo reports and FLOPs per cycle come from the vector units the CPU flags show
(AVX-512 with FMA: 64, AVX2 with FMA: 32 = two 256-bit FMA units x 8 lanes x 2, AVX: 16,
otherwise 8). Turbo clocks and hyper-threads are not counted, so the peak is nominal.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

FORWARD_FLOPS_PER_SAMPLE = 2 * (784 * 512 + 512 * 10)


def cpu_peak():
    """(peak FLOP/s, description) from /proc/cpuinfo."""
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
    except OSError:
        pass
    cores = os.cpu_count() or 1
    if "avx512f" in flags and "fma" in flags:
        per_cycle = 64
    elif "avx2" in flags and "fma" in flags:
        per_cycle = 32
    elif "avx" in flags:
        per_cycle = 16
    else:
        per_cycle = 8
    ghz = (mhz or 0) / 1000
    peak = cores * ghz * 1e9 * per_cycle
    text = (f"{model}: {cores} cores x {ghz:.2f} GHz x {per_cycle} FP32 FLOPs/cycle "
            f"= {peak / 1e9:.1f} GFLOP/s")
    return peak, text


def get_model():
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(512, activation="relu")(inputs)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def time_fit(x, y, batch, steps, **compile_kwargs):
    keras.utils.set_random_seed(0)
    model = get_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], **compile_kwargs)
    n = batch * steps
    model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0, shuffle=False)
        runs.append((time.perf_counter() - start) / steps)
    return statistics.median(runs)


def time_loop(x, y, batch, steps, compiled):
    keras.utils.set_random_seed(0)
    model = get_model()
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.RMSprop()
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    loss_mean = keras.metrics.Mean()

    def train_step(inputs, targets):
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)
            loss = loss_fn(targets, predictions)
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))
        accuracy.update_state(targets, predictions)
        loss_mean.update_state(loss)
        return loss_mean.result()

    step = tf.function(train_step) if compiled else train_step
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).take(steps)
    for inputs, targets in dataset.take(3):  # warm-up (tracing for tf.function)
        step(inputs, targets)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for inputs, targets in dataset:
            step(inputs, targets)
        runs.append((time.perf_counter() - start) / steps)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="timed steps per run")
    parser.add_argument("--eager-steps", type=int, default=60, help="timed steps, eager loop")
    parser.add_argument("--steps-per-execution", type=int, default=32)
    shared = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist.npz")
    parser.add_argument("--mnist", default=shared if os.path.exists(shared) else None,
                        help="an mnist.npz to read instead of keras.datasets (default: "
                             "../shared/datasets/mnist.npz when it exists)")
    args = parser.parse_args()

    if args.mnist:  # an offline copy, e.g. ../shared/datasets/mnist.npz
        with np.load(args.mnist) as data:
            x, y = data["x_train"], data["y_train"]
    else:
        (x, y), _ = keras.datasets.mnist.load_data()
    x = x.reshape(-1, 784).astype("float32") / 255
    peak, peak_text = cpu_peak()
    spe = args.steps_per_execution
    modes = [
        ("fit()", lambda b: time_fit(x, y, b, args.steps)),
        ("tf.function loop", lambda b: time_loop(x, y, b, args.steps, compiled=True)),
        ("eager loop", lambda b: time_loop(x, y, b, args.eager_steps, compiled=False)),
        ("fit(), jit_compile=True", lambda b: time_fit(x, y, b, args.steps, jit_compile=True)),
        (f"fit(), steps_per_execution={spe}",
         lambda b: time_fit(x, y, b, args.steps, steps_per_execution=spe)),
    ]
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    print(f"Peak: {peak_text}\n")
    print("| batch | mode | ms/step | samples/s | speed vs fit() | % of peak FLOP/s |")
    print("|---:|---|---:|---:|---:|---:|")
    for batch in (32, 128):
        base = None
        for name, run in modes:
            seconds = run(batch)
            base = base or seconds
            flops = 3 * FORWARD_FLOPS_PER_SAMPLE * batch / seconds
            share = f"{100 * flops / peak:.1f}" if peak else "n/a"
            print(f"| {batch} | {name} | {seconds * 1000:.2f} | {batch / seconds:,.0f} | "
                  f"{base / seconds:.2f}x | {share} |", flush=True)


if __name__ == "__main__":
    main()
