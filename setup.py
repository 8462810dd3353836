"""Builds the extension locus._core with the project's CMake (the same build as `cmake -S .`),
so `pip install --no-build-isolation .` and `cmake --install` give the same module."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = Path(self.build_temp).resolve() / "cmake"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                        "-DLOCUS_BUILD_TESTS=OFF", "-DLOCUS_BUILD_BENCH=OFF", "-DLOCUS_BUILD_EXAMPLES=OFF",
                        "-DLOCUS_BUILD_APP=OFF", "-DLOCUS_BUILD_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}"],
                       check=True)
        jobs = os.environ.get("LOCUS_JOBS", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build), "--target", "locus_python_core", "-j", jobs], check=True)
        built = next((build / "python" / "locus").glob("_core*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(packages=["locus"], package_dir={"": "python"}, ext_modules=[CMakeExtension("locus._core")],
      cmdclass={"build_ext": CMakeBuild}, zip_safe=False)
