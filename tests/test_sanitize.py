"""The sanitize file folds what varies between runs of Keras output, and only that.

No compared notebook cell shows a progress bar (training logs are NBVAL_IGNORE_OUTPUT), so these
samples, copied from real outputs, keep the patterns honest."""

import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

PATTERNS = get_sanitize_patterns((Path(__file__).parent / "sanitize.cfg").read_text())
BAR = "\x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m"


def sanitize(text):
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def test_every_pair_is_read():
    # a pair whose replacement is empty would be silently dropped by nbval
    assert len(PATTERNS) == 8


def test_progress_bar_timings_fold():
    run1 = f"\x1b[1m1563/1563\x1b[0m {BAR} \x1b[1m5s\x1b[0m 3ms/step - accuracy: 0.9139\n"
    run2 = f"\x1b[1m1563/1563\x1b[0m {BAR} \x1b[1m12s\x1b[0m 7ms/step - accuracy: 0.9139\n"
    assert sanitize(run1) == sanitize(run2) == "1563/1563 [BAR] ELAPSED TIME/step - accuracy: 0.9139\n"


def test_verbose_2_lines_fold_but_metrics_stay():
    a = sanitize("63/63 - 1s - 22ms/step - loss: 0.2914\n")
    b = sanitize("63/63 - 0s - 7ms/step - loss: 0.2914\n")
    assert a == b == "63/63 - ELAPSED - TIME/step - loss: 0.2914\n"
    assert sanitize("63/63 - 1s - 22ms/step - loss: 0.2915\n") != a


def test_summary_loses_only_colours_and_trailing_spaces():
    row = "│ hidden (\x1b[38;5;33mDense\x1b[0m)   │ (\x1b[38;5;45mNone\x1b[0m, \x1b[38;5;34m64\x1b[0m)  │ 256 │  \n"
    assert sanitize(row) == "│ hidden (Dense)   │ (None, 64)  │ 256 │\n"


def test_addresses_fold():
    assert sanitize("<History at 0x7fbab9a5f350>") == sanitize("<History at 0x7f0000000001>")
