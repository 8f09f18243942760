"""GAN losses on the discriminator's logits, and the input-gradient penalties' building block.

The loss names are :data:`gamedyn.vocabulary.GAN_LOSSES` (``"standard"`` is accepted for
``"saturating"``). With ``D`` returning logits and ``softplus(t) = log(1 + eᵗ)``:

* ``"saturating"``: ``L_D = E softplus(−D(x)) + E softplus(D(G))``, ``L_G = −E softplus(D(G))``
  (minus ``L_D``'s fake term: the zero-sum minimax GAN);
* ``"non-saturating"``: the same ``L_D``, ``L_G = E softplus(−D(G))``;
* ``"wgan"``: ``L_D = E D(G) − E D(x)``, ``L_G = −E D(G)``;
* ``"hinge"``: ``L_D = E relu(1 − D(x)) + E relu(1 + D(G))``, ``L_G = −E D(G)``.

These are the losses :class:`~gamedyn.games.TorchGame` differentiates and the example GANs are
trained with (:mod:`gamedyn.examples.training`).

Example:
  >>> import torch
  >>> real, fake = torch.tensor([2.0]), torch.tensor([-1.0])
  >>> round(float(discriminator_loss("non-saturating", real, fake)), 6)
  0.44019
  >>> round(float(generator_loss("standard", fake)), 6)
  -0.313262
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import vjp
from torch.nn import functional as F

from ..vocabulary import gan_loss

Tensor = torch.Tensor

__all__ = ["discriminator_loss", "generator_loss", "squared_input_gradient_norms"]


def discriminator_loss(loss: str, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """``L_D`` from the logits on real and fake data (without regulariser).

    * non-saturating, saturating: ``E softplus(−D(x)) + E softplus(D(G(z)))``
    * wgan: ``E D(G(z)) − E D(x)``
    * hinge: ``E relu(1 − D(x)) + E relu(1 + D(G(z)))``
    """
    loss = gan_loss(loss)
    if loss == "wgan":
        return fake_logits.mean() - real_logits.mean()
    if loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(loss: str, fake_logits: Tensor) -> Tensor:
    """``L_G`` from the logits on fake data.

    * non-saturating: ``E softplus(−D(G(z)))``
    * saturating: ``−E softplus(D(G(z)))`` (minus ``L_D``'s fake term: zero-sum in ``x``)
    * wgan, hinge: ``−E D(G(z))``
    """
    loss = gan_loss(loss)
    if loss == "non-saturating":
        return F.softplus(-fake_logits).mean()
    if loss == "saturating":
        return -F.softplus(fake_logits).mean()
    return -fake_logits.mean()


def squared_input_gradient_norms(critic: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
    """``‖∇_u D(u)‖²`` per sample: one vjp of ``Σ D(u)`` with respect to the input batch.

    Per-sample gradients are exact for a critic that treats samples independently (no
    BatchNorm in training mode); otherwise this is the usual ``∇ Σ D`` approximation.
    """
    logits, pull = vjp(critic, inputs)
    (g,) = pull(torch.ones_like(logits))
    return g.reshape(g.shape[0], -1).square().sum(dim=1)
