#pragma once
// Where a report's numbers come from: the SHA-256 of every file that went in (checkpoint files,
// evaluated and calibration text), hopscope's version, the date and the machine.
#include <QString>

#include <string>
#include <vector>

#include "hopscope/job_control.h"
#include "hopscope/model_info.h"
#include "report/report_input.h"

// SHA-256 and size of each file, in order. Throws hopscope::Error naming an unreadable file.
std::vector<ReportFile> hashFiles(const std::vector<std::string>& paths, const hopscope::JobControl& job = {});

// The checkpoint's files: config.json, then every weight file (*.safetensors, *.bin) of its folder,
// sorted by name.
std::vector<std::string> checkpointFiles(const hopscope::ModelInfo& info);

// Version, date (UTC, ISO 8601) and machine (host, OS, CPU architecture, cores, LibTorch threads
// are not known here); the caller adds the command and the data files.
ReportProvenance describeThisRun(const QString& command);
