#pragma once
// A figure as plain data: what a plot shows, without how it is drawn. FigurePlot draws it on screen;
// the same data can be rendered into a report (HTML, PDF). Coordinates are in data units: a
// renderer applies the axis scales itself. Colours and marker shapes come from the series' model
// slot (model_palette.h), so they are not stored here.
#include <QString>

#include <optional>
#include <vector>

enum class AxisScale {
  Linear,
  Log,     // positive values only; others are not drawn
  Symlog,  // sign(v)·log10(1 + |v|/threshold): linear near 0, logarithmic beyond the threshold
};

struct AxisRange {
  double low = 0, high = 1;
};

struct TextTick {
  double at = 0;  // data units
  QString text;
};

struct FigureAxis {
  QString label;
  AxisScale scale = AxisScale::Linear;
  double symlogThreshold = 1;     // the linear threshold of AxisScale::Symlog
  std::vector<TextTick> ticks;    // empty: numeric ticks chosen by the renderer
  std::optional<AxisRange> range; // unset: fitted to the data
};

enum class SeriesStyle {
  LineMarkers,    // a line through the points, each point marked with the slot's marker shape
  StepHistogram,  // a step at each point (a bin centre), small dots keep isolated bins visible
  ReferenceLine,  // a dashed line without markers, e.g. the float model's metric
};

struct FigurePoint {
  double x = 0;
  double y = 0;  // NaN: a gap in the line
  QString hover; // shown when the mouse is near the point; empty: nothing to show
};

struct FigureSeries {
  QString name;  // the legend entry
  int slot = 0;  // the model's palette slot
  SeriesStyle style = SeriesStyle::LineMarkers;
  int shade = 0; // 0: the slot's colour; n > 0: n steps darker (several curves of one model)
  std::vector<FigurePoint> points;
};

// A mark at data x positions, spanning part of the axes' height, drawn behind the series: a
// threshold, a range, a shaded interval, a rug of positions. Not in the legend (the note says what
// the marks are).
enum class MarkStyle {
  Line,   // a dashed vertical line at `low`
  Band,   // a translucent band from `low` to `high` (either may be ±infinity: to the axes' edge)
  Ticks,  // a thin vertical tick at each of `at`
};

struct FigureMark {
  MarkStyle style = MarkStyle::Line;
  double low = 0, high = 0;     // data x (Line: low; Band: low to high)
  std::vector<double> at;       // Ticks: data x of each tick
  double bottom = 0, top = 1;   // vertical extent as fractions of the axes' height (0: bottom)
  int slot = 0;                 // colour: the model's palette slot
  QString hover;                // shown when the mouse is on the mark; empty: nothing
};

struct Figure {
  QString title;
  QString note;  // under the title; may hold several lines
  FigureAxis x, y;
  std::vector<FigureSeries> series;
  QString message;  // shown instead of the axes when no series has a point to draw
  std::vector<FigureMark> marks;  // drawn behind the series, only when some series is drawn
};
