"""IPython start-up file for `make roundoff` only: a much larger change than another CPU makes.

Once the notebook imports Keras, `keras.utils.set_random_seed(seed)` still seeds NumPy with
`seed` (so every data set the notebooks make stays the same), but Python's `random`, TensorFlow
and Keras's own seed generators get `seed + 1000`: every weight initialisation, dropout mask and
shuffle comes out differently, so every number that training produces changes, from its first
digits on. Shapes, parameter counts, summaries, configs, data and the verdicts of honest asserts
do not. A compared cell that still passes strict nbval under this does not depend on round-off.
"""

import importlib.abc
import importlib.machinery
import random
import sys

_TARGET = "keras.src.utils.rng_utils"
SHIFT = 1000


def _patch(module):
    original = module.set_random_seed

    def set_random_seed(seed):
        original(seed)
        random.seed(seed + SHIFT)
        module.global_state.set_global_attribute(module.GLOBAL_RANDOM_SEED, seed + SHIFT)
        module.global_state.set_global_attribute(module.seed_generator.GLOBAL_SEED_GENERATOR, None)
        if module.tf.available:
            module.tf.random.set_seed(seed + SHIFT)
        if module.backend.backend() == "torch":
            import torch

            torch.manual_seed(seed + SHIFT)

    set_random_seed.__wrapped__ = original
    module.set_random_seed = set_random_seed


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _PatchingLoader(spec.loader)
            sys.meta_path.remove(self)
        return spec


if _TARGET in sys.modules:
    _patch(sys.modules[_TARGET])
else:
    sys.meta_path.insert(0, _Finder())
