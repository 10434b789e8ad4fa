#pragma once
// Where a data value sits along an axis of a given scale (figure.h): the coordinate a renderer
// draws. The symmetric log is the engine's histogram coordinate (engine symlog_histogram.h).
#include <cmath>
#include <limits>

#include "plots/figure.h"

inline double symlog(double value, double threshold) {
  return std::copysign(std::log10(1.0 + std::abs(value) / threshold), value);
}

inline double symexp(double coordinate, double threshold) {
  return std::copysign(threshold * (std::pow(10.0, std::abs(coordinate)) - 1.0), coordinate);
}

// The value itself on linear and log axes (NaN for a non-positive value on a log axis), its
// symlog on symlog axes. Non-finite values give NaN: nothing is drawn there.
inline double axisCoordinate(const FigureAxis& axis, double value) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (!std::isfinite(value)) return kNaN;
  switch (axis.scale) {
    case AxisScale::Log: return value > 0 ? value : kNaN;
    case AxisScale::Symlog: return symlog(value, axis.symlogThreshold);
    case AxisScale::Linear: break;
  }
  return value;
}
