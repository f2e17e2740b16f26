"""IPython start-up file for `make roundoff` only: a much larger change than another CPU makes.

(Start-up files share one namespace: every global name here is prefixed so that the offline
MNIST start-up file's names are left alone.)

Once the notebook imports Keras, `keras.utils.set_random_seed(seed)` still seeds NumPy with
`seed` (so every data set the notebooks make stays the same), but Python's `random`, TensorFlow
and Keras's own seed generators get `seed + 1000`: every weight initialisation, dropout mask and
shuffle comes out differently, so every number that training produces changes, from its first
digits on. Shapes, parameter counts, summaries, configs, data and the verdicts of honest asserts
do not. A compared cell that still passes strict nbval under this does not depend on round-off.
"""

import importlib.abc as _importlib_abc
import importlib.machinery as _importlib_machinery
import random as _random
import sys as _sys

_PERTURB_TARGET = "keras.src.utils.rng_utils"
_PERTURB_SHIFT = 1000


def _perturb_patch(module):
    original = module.set_random_seed

    def set_random_seed(seed):
        original(seed)
        _random.seed(seed + _PERTURB_SHIFT)
        module.global_state.set_global_attribute(module.GLOBAL_RANDOM_SEED, seed + _PERTURB_SHIFT)
        module.global_state.set_global_attribute(module.seed_generator.GLOBAL_SEED_GENERATOR, None)
        if module.tf.available:
            module.tf.random.set_seed(seed + _PERTURB_SHIFT)
        if module.backend.backend() == "torch":
            import torch

            torch.manual_seed(seed + _PERTURB_SHIFT)

    set_random_seed.__wrapped__ = original
    module.set_random_seed = set_random_seed


class _PerturbLoader(_importlib_abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _perturb_patch(module)


class _PerturbFinder(_importlib_abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _PERTURB_TARGET:
            return None
        spec = _importlib_machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _PerturbLoader(spec.loader)
            _sys.meta_path.remove(self)
        return spec


if _PERTURB_TARGET in _sys.modules:
    _perturb_patch(_sys.modules[_PERTURB_TARGET])
else:
    _sys.meta_path.insert(0, _PerturbFinder())
