"""IPython start-up file for the tests only: let Keras accept the offline MNIST copy.

The tests copy ../shared/datasets/mnist.npz into $KERAS_HOME/datasets/. That copy holds the
genuine arrays but its zip headers differ, so its sha256 differs from the one that
`keras.datasets.mnist.load_data()` checks, and Keras would try to download the file again.

This file, run at kernel start-up (the test command points IPYTHONDIR at a profile holding it),
does not import keras. It waits for `keras.src.utils.file_utils` to be imported by the notebook
and then wraps its `validate_file` so that exactly one more hash is accepted, for exactly one
file name: the copy's sha256 for `mnist.npz` where Keras expects MNIST's own hash. Every other
file and every other hash is checked by Keras as usual.
"""

import importlib.abc as _importlib_abc
import importlib.machinery as _importlib_machinery
import os as _os
import sys as _sys

_TARGET = "keras.src.utils.file_utils"
_FILE_NAME = "mnist.npz"
_KERAS_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# The sha256 of ../shared/datasets/mnist.npz, as its README gives it.
_COPY_HASH = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"


def _patch(module):
    original = module.validate_file

    def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
        if original(fpath, file_hash, algorithm, chunk_size):
            return True
        if _os.path.basename(str(fpath)) == _FILE_NAME and file_hash == _KERAS_HASH:
            return original(fpath, _COPY_HASH, "sha256", chunk_size)
        return False

    validate_file.__wrapped__ = original
    module.validate_file = validate_file


class _PatchingLoader(_importlib_abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _patch(module)


class _Finder(_importlib_abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        spec = _importlib_machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _PatchingLoader(spec.loader)
            _sys.meta_path.remove(self)
        return spec


if _TARGET in _sys.modules:
    _patch(_sys.modules[_TARGET])
else:
    _sys.meta_path.insert(0, _Finder())
