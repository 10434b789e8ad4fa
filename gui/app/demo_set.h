#pragma once
// The bundled demo set (`hopscope --demo`): checkpoint folders under resources/demo/<name>/, found
// like the bundled texts (hopscope/bundled_resources.h: $HOPSCOPE_RESOURCES, the source tree's
// resources/, or ../share/hopscope/resources beside the executable). A folder is named
// <family>-<normalizer>-<gate> (scripts/train_demo.sh), e.g. bert-softmax1-mlp.
#include <QString>
#include <QStringList>

struct DemoSet {
  QStringList models;    // checkpoint folders (with a config.json): family by family, in each the
                         // vanilla softmax first (the natural reference), then the variants
  QStringList families;  // the families present, e.g. bert, opt, vit
  QString error;         // why there are none: the folders looked at and how to make the set
};

// Every demo model, or only those of `family` (the folder name's prefix) when it is given.
DemoSet findDemoSet(const QString& family = {});
