// JobControl: a slice maps its progress onto a part of the whole and shares the cancel flag.
#include "hopscope/job_control.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace hopscope {
namespace {

TEST(JobControl, SliceMapsProgressOntoItsPartAndSharesCancel) {
  std::vector<std::pair<double, std::string>> reports;
  bool cancel = false;
  JobControl whole;
  whole.progress = [&](double fraction, const std::string& stage) { reports.emplace_back(fraction, stage); };
  whole.cancelled = [&] { return cancel; };

  const JobControl part = whole.slice(0.25, 0.75);
  part.report(0.0, "start");
  part.report(0.5, "middle");
  part.report(1.0, "end");
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_DOUBLE_EQ(reports[0].first, 0.25);
  EXPECT_DOUBLE_EQ(reports[1].first, 0.5);
  EXPECT_DOUBLE_EQ(reports[2].first, 0.75);
  EXPECT_EQ(reports[1].second, "middle");
  // Slices of slices compose.
  part.slice(0.5, 1.0).report(0.5, "nested");
  EXPECT_DOUBLE_EQ(reports.back().first, 0.625);

  EXPECT_NO_THROW(part.checkCancelled());
  cancel = true;
  EXPECT_THROW(part.checkCancelled(), Cancelled);
  // A job without callbacks slices into one without callbacks.
  EXPECT_NO_THROW(JobControl().slice(0, 1).report(0.5, "nobody listens"));
}

}  // namespace
}  // namespace hopscope
