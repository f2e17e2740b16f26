"""One small training run with the TensorBoard callback, for the two TensorBoard tests (the HTTP
API in test_tensorboard_server.py, the dashboards in a browser in test_tensorboard_browser.py):
a tiny word model trained for 3 epochs with weight histograms on, then its word embeddings
written for the projector the way notebook 07_06 writes them."""

from pathlib import Path

WORDS = ["[PAD]", "refund", "card", "login", "error", "parcel", "address", "email", "hello", "thanks"]


def write_run(logdir: Path) -> dict:
    """Write the run under logdir/tiny; return the training history."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, len(WORDS), (256, 6))
    y = (x == 1).any(axis=1).astype("int32")  # does the ticket say "refund"?
    model = keras.Sequential(
        [keras.Input((6,), dtype="int32"),
         keras.layers.Embedding(len(WORDS), 4, name="word_embedding"),
         keras.layers.GlobalAveragePooling1D(name="pool"),
         keras.layers.Dense(16, activation="relu", name="hidden"),
         keras.layers.Dense(2, activation="softmax", name="out")],
        name="tiny",
    )
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(str(logdir / "tiny"), histogram_freq=1)])
    run = logdir / "tiny" / "train"
    vectors = keras.ops.convert_to_numpy(model.get_layer("word_embedding").embeddings)
    np.savetxt(run / "vectors.tsv", vectors, delimiter="\t")
    (run / "metadata.tsv").write_text("\n".join(WORDS) + "\n")
    (run / "projector_config.pbtxt").write_text(
        'embeddings {\n  tensor_name: "word_embedding"\n  tensor_path: "vectors.tsv"\n'
        '  metadata_path: "metadata.tsv"\n}\n'
    )
    return history.history
