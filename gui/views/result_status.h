#pragma once
// Whether a result on screen matches the settings row: computed with the settings shown (Current),
// with other settings (Stale), or being recomputed (Pending). The tables mark Stale and Pending rows
// (italic, an icon, the reason in the tooltip) and the plots name them in their legends, so results
// computed with different settings are never silently shown side by side.
#include <QIcon>
#include <QLabel>
#include <QString>

#include <cstddef>
#include <vector>

struct ResultStatus {
  enum class State { Current, Stale, Pending };
  State state = State::Current;
  QString note;  // why, in one sentence; empty when Current

  bool current() const { return state == State::Current; }
};

// statuses[i], or Current when missing.
inline ResultStatus statusAt(const std::vector<ResultStatus>& statuses, std::size_t i) {
  return i < statuses.size() ? statuses[i] : ResultStatus{};
}

// Whether two status lists mark every result alike (a missing status counts as Current): views
// redraw only when a mark changes, since redrawing every plot is not free.
bool sameStatuses(const std::vector<ResultStatus>& a, const std::vector<ResultStatus>& b);

// "stale" / "pending" (empty when current): the word shown beside a result.
QString resultStatusWord(const ResultStatus& status);
// A warning icon for Stale, a refresh icon for Pending, none for Current.
QIcon resultStatusIcon(const ResultStatus& status);

// The caption above a results table: the one setting every row was computed with, or a warning
// when rows differ or are marked. settings[i] describes row i, statuses[i] its status.
void showSettingsCaption(QLabel& caption, const std::vector<QString>& settings, const std::vector<ResultStatus>& statuses);
