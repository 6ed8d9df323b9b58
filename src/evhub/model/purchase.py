r"""What a car costs its buyer: the price paid over a spread of tax bases, and the running costs.

The generalised annual cost of :func:`evhub.model.choice.annual_cost` needs the
price paid for a powertrain bought from an origin in a year, and its energy
cost per kilometre. Both are averages:

- **Price paid.** A powertrain's new cars do not share one tax base: their
  bases spread (log-normal nodes, :func:`evhub.model.taxes.lognormal_nodes`),
  and the purchase tax's brackets bite on that spread. Within a year several
  schedules (of the purchase tax, VAT and duties) may each hold for part of it.
  With nodes :math:`b_{j,i}` (the tax base of a duty-paid car in segment
  :math:`j` of the year, node :math:`i`), purchase-tax rates :math:`r_{j,i}`
  [%], VAT :math:`v_j` [%] and segment weights :math:`w_j` (the share of the
  year's days),

  .. math::

      P = \frac{\sum_j w_j \frac{1}{n}\sum_i b_{j,i}(1 + r_{j,i}/100)(1 + v_j/100)}{\sum_j w_j}.

- **Customs duty.** An import of customs value :math:`x` pays the duty
  :math:`d\,x` and an additional duty of rate :math:`a` with a minimum amount
  :math:`m`: :math:`\max(a x, m) = a \max(x, \mu)` with :math:`\mu = m / a`,
  the customs value below which the minimum applies. A change :math:`\Delta`
  of the duty (a policy's, in points of the customs value) changes the
  additional rate, and the minimum in proportion (:math:`\mu` is kept);
  below :math:`a + \Delta = 0` it cuts into the duty, down to none:

  .. math::

      D = x \max(d + \min(a + \Delta, 0), 0) + \max(a + \Delta, 0) \max(x, \mu).

- **Base of a battery car.** Without list prices of every year, the pre-tax
  price of a car with a traction battery is a glider (the rest of the car)
  plus its pack: :math:`b = g + k\,\pi_{pack}` [money/veh] with pack
  capacity :math:`k` [kWh/veh] and pack price :math:`\pi_{pack}` [money/kWh].

- **Energy per kilometre.** A plug-in hybrid drives a share :math:`\phi` of
  its distance on electricity; electricity is drawn from the grid with a
  charging loss :math:`\lambda`; its price mixes home and public charging:

  .. math::

      c = (1 - \phi)\,\frac{f}{100}\,\pi_f + \phi\,\frac{e}{1 - \lambda}\,\pi_e,
      \qquad \pi_e = h\,\pi_{home} + (1 - h)\,\pi_{public}.

Pure functions: arrays in, arrays out, no I/O; every argument broadcasts
against a leading ``run`` axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "battery_car_base",
    "charging_price",
    "customs_duty",
    "energy_cost_per_km",
    "mean_price_paid",
]

F = NDArray[np.float64]

PERCENT = 100.0
"""Percent per unit [%/1]."""
LITRES_PER_100KM = 100.0
"""Kilometres in the distance of a fuel intensity given per 100 km [km]."""


def mean_price_paid(base: F, purchase_rate: F, vat_rate: F, weights: F) -> F:
    """The average price paid over the tax-base nodes and the year's schedules [money/veh].

    Parameters
    ----------
    base
        ``(..., segment, node)`` tax bases of the cars (duty included) [money/veh].
    purchase_rate
        ``(..., segment, node)`` purchase-tax rate of each base [%].
    vat_rate
        ``(..., segment)`` VAT rate in force in each segment of the year [%].
    weights
        ``(segment,)`` share of the year each segment lasts [1]; need not sum to 1
        (they are normalised).

    Returns
    -------
    ndarray, shape ``(...)``
        The price paid, purchase tax and VAT included [money/veh].

    Examples
    --------
    Two nodes, one schedule: bases 100 and 200 at rates 10 % and 50 %, VAT 20 %:
    (110 + 300) / 2 * 1.2 = 246.

    >>> float(mean_price_paid(np.array([[100.0, 200.0]]), np.array([[10.0, 50.0]]),
    ...                       np.array([20.0]), np.array([1.0])))
    246.0

    Half a year at VAT 18 %, half at 20 %, one base of 100 taxed at 0 %:

    >>> float(mean_price_paid(np.array([[100.0], [100.0]]), np.zeros((2, 1)),
    ...                       np.array([18.0, 20.0]), np.array([0.5, 0.5])))
    119.0
    """
    before_vat = np.mean(base * (1.0 + purchase_rate / PERCENT), axis=-1)
    paid = before_vat * (1.0 + np.asarray(vat_rate, dtype=float) / PERCENT)
    w = np.asarray(weights, dtype=float)
    return np.asarray(np.sum(paid * w, axis=-1) / np.sum(w), dtype=float)


def customs_duty(
    value: F | float,
    rate: F | float,
    additional: F | float,
    threshold: F | float,
    change: F | float = 0.0,
) -> F:
    r"""The customs duty on an import, an additional duty's minimum included [money/veh].

    Parameters
    ----------
    value
        Customs value [money/veh].
    rate
        The duty [1].
    additional
        The additional duty's rate [1] (0 without one).
    threshold
        :math:`\mu`: the customs value below which the additional duty's
        minimum applies, the minimum over the rate [money/veh] (0 without a
        minimum).
    change
        A change of the duty [1], made to the additional duty first (its
        minimum in proportion), then to the duty; the duty is at least 0.

    Returns
    -------
    ndarray
        The broadcast shape of the arguments.

    Examples
    --------
    A vehicle of 20,000 pays 12.5 % and an additional 25 %, at least 6,000 (so
    below 24,000 the minimum applies): 2,500 + 6,000.

    >>> float(customs_duty(20_000.0, 0.125, 0.25, 24_000.0))
    8500.0

    Cutting the duty by 12.5 points halves the additional duty and its
    minimum: 2,500 + 0.125 x 24,000.

    >>> float(customs_duty(20_000.0, 0.125, 0.25, 24_000.0, -0.125))
    5500.0

    Cutting 31.25 points removes the additional duty and half the duty:

    >>> float(customs_duty(20_000.0, 0.125, 0.25, 24_000.0, -0.3125))
    1250.0
    """
    x = np.asarray(value, dtype=float)
    a = np.asarray(additional, dtype=float) + np.asarray(change, dtype=float)
    plain = x * np.maximum(np.asarray(rate, dtype=float) + np.minimum(a, 0.0), 0.0)
    return np.asarray(plain + np.maximum(a, 0.0) * np.maximum(x, threshold), dtype=float)


def battery_car_base(glider: F | float, pack_capacity: F | float, pack_price: F | float) -> F:
    """The pre-tax price of a car with a traction battery: glider plus pack [money/veh].

    Parameters
    ----------
    glider
        Price of the rest of the car [money/veh].
    pack_capacity
        Battery capacity [kWh/veh].
    pack_price
        Pack price [money/kWh].

    Examples
    --------
    >>> float(battery_car_base(25_000.0, 60.0, 100.0))
    31000.0
    """
    return np.asarray(
        np.asarray(glider, dtype=float) + np.asarray(pack_capacity) * np.asarray(pack_price),
        dtype=float,
    )


def charging_price(home: F | float, public: F | float, home_share: F | float) -> F:
    """The price of a plug-in vehicle's electricity, mixing home and public charging [money/kWh].

    Parameters
    ----------
    home, public
        Prices at home and at public chargers [money/kWh].
    home_share
        Share of the electricity charged at home [1].

    Examples
    --------
    >>> float(charging_price(2.0, 10.0, 0.75))
    4.0
    """
    h = np.asarray(home_share, dtype=float)
    return np.asarray(h * np.asarray(home) + (1.0 - h) * np.asarray(public), dtype=float)


def energy_cost_per_km(
    fuel_intensity: F | float,
    fuel_price: F | float,
    electric_intensity: F | float,
    electricity_price: F | float,
    electric_share: F | float,
    charging_loss: F | float,
) -> F:
    """The energy cost of driving one kilometre [money/km].

    Parameters
    ----------
    fuel_intensity
        Fuel used on fuel [l/100km] (0 for a car that burns none).
    fuel_price
        Fuel price, taxes included [money/l].
    electric_intensity
        Electricity drawn from the battery [kWh/km] (0 for a car without a plug).
    electricity_price
        Electricity price at the charger [money/kWh].
    electric_share
        Share of the distance driven on electricity [1]: 1 for a battery-electric
        car, 0 without a plug.
    charging_loss
        Grid-to-battery loss [1].

    Examples
    --------
    A plug-in hybrid, 40 % electric: 0.6 * 6/100 * 2 + 0.4 * 0.2/0.8 * 1 = 0.172.

    >>> round(float(energy_cost_per_km(6.0, 2.0, 0.2, 1.0, 0.4, 0.2)), 12)
    0.172
    """
    phi = np.asarray(electric_share, dtype=float)
    fuel = (1.0 - phi) * np.asarray(fuel_intensity) / LITRES_PER_100KM * np.asarray(fuel_price)
    grid = np.asarray(electric_intensity) / (1.0 - np.asarray(charging_loss, dtype=float))
    return np.asarray(fuel + phi * grid * np.asarray(electricity_price), dtype=float)
