#pragma once
// The bundled demo set (`hopscope --demo`): checkpoint folders under resources/demo/<name>/, found
// like the bundled texts (hopscope/bundled_resources.h: $HOPSCOPE_RESOURCES, the source tree's
// resources/, or ../share/hopscope/resources beside the executable).
#include <QString>
#include <QStringList>

struct DemoSet {
  QStringList models;  // checkpoint folders (with a config.json), sorted by name
  QString error;       // why there are none: the folders looked at and how to make the set
};

DemoSet findDemoSet();
