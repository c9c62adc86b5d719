"""The optional endpoint is off unless configured (and no test ever calls one)."""

from __future__ import annotations

from merchantry.returns.refine import KEY_ENV, MODEL_ENV, URL_ENV, Refiner


def test_off_without_configuration() -> None:
    assert Refiner.from_env({}) is None
    assert Refiner.from_env({URL_ENV: "  "}) is None


def test_configuration_is_read_from_the_environment() -> None:
    refiner = Refiner.from_env(
        {URL_ENV: "http://127.0.0.1:9/v1/", MODEL_ENV: "qwen", KEY_ENV: "secret"}
    )
    assert refiner == Refiner("http://127.0.0.1:9/v1", "qwen", "secret")
