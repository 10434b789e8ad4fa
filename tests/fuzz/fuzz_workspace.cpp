// A workspace file of the GUI (gui/app/workspace.h): Qt's JSON parser, then every key type- and
// range-checked, model arguments split, paths resolved. Only Qt Core is needed, so the target is
// built without the GUI.
#include <string>

#include "app/workspace.h"
#include "fuzz_checks.h"
#include "fuzz_input_file.h"
#include "hopscope/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hopscope::fuzz::writeInputFile("workspace.json", data, size);
  try {
    (void)isWorkspaceFile(QString::fromStdString(path));
    const Workspace workspace = readWorkspace(QString::fromStdString(path));
    for (const WorkspaceModel& model : workspace.models) (void)WorkspaceModel::fromArgument(model.argument());
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
