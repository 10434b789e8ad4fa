#pragma once
// The numbers of a report as files beside it (--bundle DIR): the engine's own JSON documents
// (result_json.h: analysis.json as `analyze` writes it, quantization.json as `quantize` does),
// its CSV tables (summary.csv, <model>.modules.csv), and the report's tables as CSV
// (report_summary.csv, attention_heads.csv, <model>.quantizers.csv) plus provenance.json.
#include <QString>

#include "report/report_input.h"

// Writes into the folder `dir`, which must exist. Throws hopscope::Error naming a file that cannot
// be written.
void writeBundle(const ReportInput& input, const QString& dir);

