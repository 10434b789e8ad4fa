#pragma once
// The bundled demo set (`hopscope --demo`): checkpoint folders under resources/demo/<name>/, found
// like the bundled texts (hopscope/bundled_resources.h: $HOPSCOPE_RESOURCES, the source tree's
// resources/, or ../share/hopscope/resources beside the executable). A folder is named
// <family>-<normalizer>-<gate> (scripts/train_demo.sh), e.g. bert-softmax1-mlp.
#include <QString>
#include <QStringList>

#include "jobs/evaluation_requests.h"

struct DemoSet {
  QStringList models;    // checkpoint folders (with a config.json): family by family, in each the
                         // vanilla softmax first (the natural reference), then the variants
  QStringList families;  // the families present, e.g. bert, opt, vit
  QString error;         // why there are none: the folders looked at and how to make the set
};

// Every demo model, or only those of `family` (the folder name's prefix) when it is given.
DemoSet findDemoSet(const QString& family = {});

// The evaluation settings of the README's demo tables (scripts/demo_table.py) for this set, when
// one of its models was trained with the bundled corpora/sotu-eval.txt as its held-out text
// (config.json hopscope.eval_data_sha256): that text, 64 blocks of the models' block length,
// calibrated on 4 batches of corpora/sotu-calib.txt; `base` keeps every other field.
struct DemoEvaluation {
  bool applies = false;
  QuantizationRequest request;  // base, with the text fields replaced when applies
  QString note;                 // why this text, for its tooltip
};
DemoEvaluation demoEvaluation(const DemoSet& demo, const QuantizationRequest& base);
