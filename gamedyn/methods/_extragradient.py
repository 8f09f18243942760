"""Extragradient (Korpelevich 1976) and optimistic gradient descent-ascent."""

from __future__ import annotations

from ._gda import OnPlainStep
from ._play import Extrapolation, Optimistic

__all__ = ["ExtraGradient", "OptimisticGDA"]


class ExtraGradient(OnPlainStep):
    """Extragradient: a look-ahead step, then the update with the field seen there.

    ``z_{½} = z − η v(z)``,  ``z⁺ = z − η v(z_{½})``: the extrapolation play
    (:class:`~gamedyn.methods.Extrapolation`) over a plain step — over Adam the same
    play is :class:`~gamedyn.methods.ExtraAdam`.

    Jacobian ``I − η J(z_{½})(I − η J(z))``; on affine games ``I − ηJ + η²J²``, eigenvalues
    ``1 − ηλ + η²λ²``. On the bilinear game the spectral radius is
    ``max_σ √((1 − η²σ²)² + η²σ²)``, below 1 for ``0 < η σ_max < 1``.

    References:
      Korpelevich, "The extragradient method for finding saddle points and other problems",
      1976. Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, "A Variational Inequality
      Perspective on Generative Adversarial Networks", ICLR 2019.
    """

    play_over = staticmethod(Extrapolation)


class OptimisticGDA(OnPlainStep):
    """Optimistic GDA: ``z_{t+1} = z_t − 2η v(z_t) + η v(z_{t−1})``.

    The optimistic play (:class:`~gamedyn.methods.Optimistic`) over a plain step: its state is
    ``(z_t, u_{t−1})`` with ``u_{t−1} = η v(z_{t−1})`` the previous update, stored — under noise
    the past (noisy) gradient is reused, never drawn again — and zero at the start (the first
    step is ``z_0 − 2η v(z_0)``, as in the Variational-Inequality-GAN code's ``OMD``). Many
    papers write the same operator on ``(z_t, z_{t−1})``: that is a change of coordinates of its
    Jacobian, :func:`gamedyn.spectrum.previous_iterate_coordinates`, with the same eigenvalues.

    This is also **past extragradient** (Popov 1980): extragradient whose look-ahead step reuses
    the field computed at the previous look-ahead point; written in the iterates ``z_t`` the two
    methods are the same operator. Each eigenvalue ``λ`` of ``J`` gives the roots of
    ``μ² − (1 − 2ηλ) μ − ηλ = 0``.

    Example:
      >>> OptimisticGDA(0.1)
      OptimisticGDA(lr=0.1)

    References:
      Daskalakis, Ilyas, Syrgkanis and Zeng, "Training GANs with Optimism", ICLR 2018.
      Gidel et al., ICLR 2019 (extrapolation from the past).
    """

    play_over = staticmethod(Optimistic)
