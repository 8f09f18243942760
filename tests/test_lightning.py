"""The Lightning callback: bit-identical training with and without it (manual optimisation with
two Adam optimisers and n_critic 2; automatic optimisation with one), the log it writes, and
the error that names the extra when lightning is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from gamedyn.games import discriminator_loss, generator_loss
from gamedyn.monitor import read_monitor_log

LOSS = "non-saturating"


def _players():
    from test_monitor import players

    return players()


def _data() -> DataLoader:
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(52 * 8, 2, generator=gen) * 0.3 + 1.0
    return DataLoader(TensorDataset(real), batch_size=8, shuffle=False)


def _modules():
    pl = pytest.importorskip("lightning.pytorch")

    class ManualGAN(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.automatic_optimization = False
            self.generator, self.discriminator = _players()

        def training_step(self, batch, batch_idx):
            (real,) = batch
            opt_g, opt_d = self.optimizers()
            for _ in range(2):  # n_critic = 2; latents from the global generator
                fake = self.generator(torch.randn(8, 3)).detach()
                loss_d = discriminator_loss(
                    LOSS, self.discriminator(real), self.discriminator(fake)
                )
                opt_d.zero_grad()
                self.manual_backward(loss_d)
                opt_d.step()
            loss_g = generator_loss(LOSS, self.discriminator(self.generator(torch.randn(8, 3))))
            opt_g.zero_grad()
            self.manual_backward(loss_g)
            opt_g.step()

        def configure_optimizers(self):
            return (
                torch.optim.Adam(self.generator.parameters(), 2e-3, betas=(0.5, 0.999)),
                torch.optim.Adam(self.discriminator.parameters(), 2e-3, betas=(0.5, 0.999)),
            )

    class AutomaticGAN(pl.LightningModule):
        """One optimiser over both players (gradient play on L_D + L_G, each on its own)."""

        def __init__(self):
            super().__init__()
            self.gen, self.critic = _players()

        def training_step(self, batch, batch_idx):
            (real,) = batch
            fake = self.gen(torch.randn(8, 3))
            loss_d = discriminator_loss(LOSS, self.critic(real), self.critic(fake.detach()))
            frozen = torch.func.functional_call(
                self.critic, {k: v.detach() for k, v in self.critic.named_parameters()}, (fake,)
            )
            return loss_d + generator_loss(LOSS, frozen)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), 1e-3, betas=(0.5, 0.999))

    return pl, ManualGAN, AutomaticGAN


def _fit(pl, module, callbacks) -> None:
    trainer = pl.Trainer(
        max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=callbacks,
        deterministic=True,
    )  # fmt: skip
    trainer.fit(module, _data())


@pytest.mark.slow
def test_lightning_training_is_bit_identical_with_and_without_the_callback(tmp_path):
    pl, ManualGAN, AutomaticGAN = _modules()
    from gamedyn.lightning import SpectrumCallback

    latent = torch.randn(16, 3)
    for cls, options in (
        (ManualGAN, {"quantities": ("jacobian", "optimiser", "rotation"), "n_critic": 2}),
        (
            AutomaticGAN,
            {"quantities": ("jacobian",), "generator": "gen", "discriminator": "critic"},
        ),
    ):
        torch.manual_seed(0)
        plain = cls()
        _fit(pl, plain, [])
        torch.manual_seed(0)
        watched = cls()
        log = tmp_path / cls.__name__
        callback = SpectrumCallback(latent, every=15, k=2, probes=4, log_dir=log, **options)
        _fit(pl, watched, [callback])
        for (name, p), (_, q) in zip(
            plain.state_dict().items(), watched.state_dict().items(), strict=True
        ):
            assert torch.equal(p, q), (cls.__name__, name)
        series = read_monitor_log(log)
        assert series["jacobian"].steps.tolist() == [0, 15, 30, 45]
        if cls is ManualGAN:
            assert series["optimiser"].converged.all()
            assert callback.monitor.optimizers[0] is not callback.monitor.optimizers[1]


def test_the_callback_refuses_what_it_cannot_use():
    pytest.importorskip("lightning.pytorch")
    from gamedyn.lightning import SpectrumCallback

    with pytest.raises(TypeError, match="optimizers"):
        SpectrumCallback(torch.randn(4, 3), optimizers=())
    with pytest.raises(ValueError, match="step"):
        SpectrumCallback(torch.randn(4, 3), step="epoch")


@pytest.mark.slow
def test_without_lightning_the_error_names_the_extra():
    code = (
        "import sys; sys.modules['lightning'] = None; sys.modules['lightning.pytorch'] = None\n"
        "import torch\nfrom gamedyn.lightning import SpectrumCallback\n"
        "try:\n    SpectrumCallback(torch.zeros(1))\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "pip install 'gamedyn[lightning]'" in out.stdout, out.stderr
