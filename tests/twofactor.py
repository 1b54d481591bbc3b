"""Second-factor helpers for tests: an enrolled authenticator and the codes it would show.

A code is accepted once: django-otp refuses a time step at or before the last one used
(``last_t``). :func:`next_code` therefore gives the code of the next unused step that the
device still accepts (now, or one step ahead within its tolerance), so a test may sign in
twice in one 30-second window without waiting.
"""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from monitor.security import twofactor


def enrol(user) -> TOTPDevice:
    """The user's confirmed authenticator device (made if missing), as enrolment leaves it."""
    device = twofactor.authenticator(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return device


def code_at(device: TOTPDevice, step: int) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def current_step(device: TOTPDevice) -> int:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return totp.t()


def next_code(device: TOTPDevice) -> str:
    """A code the device accepts now and has not accepted before."""
    device.refresh_from_db()
    step = max(current_step(device), device.last_t + 1)
    if step > current_step(device) + device.tolerance:
        # Both steps of this window are spent: wait for the next one.
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
        step = current_step(device)
    return code_at(device, step)


def wrong_code(device: TOTPDevice) -> str:
    """Six digits this device does not accept now (nor in its tolerance window)."""
    accepted = {code_at(device, current_step(device) + d) for d in range(-2, 3)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in accepted)
