"""Small GANs that make real checkpoints for the matrix-free spectra (nothing downloads).

* :mod:`.mixture`: the 2-D mixture of 8 Gaussians GAN of Mescheder, Nowozin and Geiger (2017).
* :mod:`.digits`: a small DCGAN on scikit-learn's bundled 8 × 8 digits (``load_digits``).
* :mod:`.dcgan`: a DCGAN-size GAN (32 × 32 × 3, about 1.7 M parameters) for benchmarks.
* :mod:`.training`: ``train(example, steps, out_dir, save_every)`` saves checkpoints along
  training; ``python -m gamedyn.examples mixture --steps 2000 --out checkpoints``.

Every example exposes ``generator()``, ``discriminator()``, ``sample(batch, seed)`` (real data)
and ``latent(batch, seed)``, all deterministic given the seed; import paths such as
``gamedyn.examples.mixture:generator`` are what ``gamedyn spectrum`` takes.
"""

from .training import EXAMPLES, Example, train

__all__ = ["EXAMPLES", "Example", "train"]
