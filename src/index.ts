/**
 * metricsift: entropy, mutual information and correlation matrices over metric time series,
 * computed by a native (C++) core in parallel tiles.
 * @packageDocumentation
 */
export { ErrorCode, MetricsiftError, WarningCode, type ErrorCodeValue, type AnalysisWarning } from './errors.js';
export { toColumnTable, selectColumns, type ColumnTable, type SeriesInfo, type Column, type ColumnChunk, type NumericArray, type TableInput } from './table.js';
export type { PairMatrix, PairList } from './estimators/matrix.js';
export { at, toRows } from './estimators/matrix.js';
export type { RunOptions } from './estimators/run.js';
export { cudaStatus, type Device, type DeviceReport } from './device.js';
export {
  miMatrix, miMatrixSync, miPairsAbove, miPairsAboveSync, miTopK, entropies, entropiesSync,
  entropy, jointEntropy, conditionalEntropy, mutualInformation, normalizedMutualInformation, discretize,
  type Binning, type Normalization, type BinningOptions, type InfoOptions, type NmiOptions, type MiMatrixOptions,
  type MiMatrix, type MiPairList, type EntropyTable, type Estimate, type Series, type Discretized,
} from './estimators/binned.js';
export {
  prepare, prepareSync, PreparedTable, type PrepareOptions, type PreparedMatrixOptions, type PreparedResampleOptions, type Draws,
} from './estimators/prepared.js';
export {
  correlationMatrix, correlationMatrixSync, correlationPairsAbove, correlationTopK, correlation,
  type CorrelationMethod, type CorrelationOptions,
} from './estimators/correlation.js';
export { readTable, SUPPORTED_EXTENSIONS, type ReadOptions } from './io/read.js';
export { readCsv, parseCsv, parseCsvBytes, type CsvOptions } from './io/csv.js';
export { readArrow, arrowToColumnTable, tableToArrow, type ArrowReadOptions } from './io/arrow.js';
export { writeMatrix, writeEntropy, writePairs, type WriteMatrixOptions, type EntropyRow, type PairListResult } from './io/write.js';
export { matrixToArrow } from './io/write-arrow.js';
export {
  selectMetrics, writeSelection, writeAimdLog, writeCurve, analyzeTopology, candidates, selectService, selectTopology, selectFlat, coverage, tuneEpsilon, groupByService,
  CoverageScorer, greedyCover, pickPoint, sweepEpsilon, countersToRates, counterRate, looksCumulative, compilePattern, matchNames, SELECT_DEFAULTS, thetaFor, binsForRows, topologyCover,
  type KimetrixOptions, type KimetrixResult, type KimetrixWarning, type CallGraph, type Topology, type Path, type TopologyOptions,
  type SelectionData, type Selection, type AimdOptions, type AimdStep, type AimdResult, type SweepTracker, type ServiceOptions,
  type CurvePoint, type Pick, type PickRequest, type SweptPoint, type CounterConversion, type CounterOptions, type CounterReason, type NamePattern,
} from './select/index.js';
export { loadCallGraph, type TraceGraph } from './io/span-graph.js';
export { readTraces, loadTraces, traceSummary, parseTraceJson, parseTraceText, parseZipkin, normalizeId, TRACE_SHAPES, callGraphFromSpans, parseJaeger, parseOtlp, parseSpanCsv, podToService, readGraph, readGraphCsv, type Span, type TraceStats, type TraceRead, type TraceReadOptions, type TraceSummary } from './io/traces.js';
export { selectKBest, mrmr, maxWeightClique, relevanceTo, type CliqueResult } from './select/baselines.js';
export { readFaultList, faultRows, withoutRows, anomalousMetrics, type Fault, type AnomalyOptions } from './select/labels.js';
export { readTrainTicketDay, readPetshopMetrics } from './io/layouts.js';
export { readPrometheus, type PrometheusOptions } from './io/prometheus.js';
export { readPrometheusUrl } from './io/read.js';
export { openDataset, INPUT_FORMATS, type Dataset, type InputFormat, type OpenOptions } from './io/dataset.js';
export { readCsvStdin, readCsvStringsStdin, readStdinBytes } from './io/stdin.js';
export { reportHtml, reportMetrics, writeReport, HEATMAP_MAX, type ReportMetric, type MetricStatus } from './report/html.js';
export { readLongCsv, parseLongCsv, pivotLong, longColumns, longColumnName, type LongRow } from './io/long.js';
export { buildAlertRules, alertRulesYaml, writeAlertRules, firingRows, band, seriesOf, selectorOf, stepSeconds, promName, type AlertRule, type AlertRuleOptions } from './report/rules.js';
export { readParquet } from './io/parquet.js';
export { ksgMutualInformation, ksgConditionalMutualInformation, ksgMatrix, ksgPairsAbove, ksgTopK, type KsgOptions } from './estimators/ksg.js';
export { redundancyIndex, type RedundancyIndex } from './analysis/redundancy.js';
export { serviceOfMetric, serviceOrUnmapped, UNMAPPED } from './service.js';
export {
  miPermutationTest, miBootstrapInterval, entropyBootstrapInterval, ksgConfidenceInterval, ksgPermutationTest, excessInterval, cmiBootstrapInterval, type CmiIntervalOptions, type CmiIntervalResult,
  miPermutationTestSync, miBootstrapIntervalSync, entropyBootstrapIntervalSync, ksgConfidenceIntervalSync, ksgPermutationTestSync,
  type PermutationOptions, type PermutationResult, type BootstrapOptions, type BootstrapResult, type EntropyBootstrapResult, type KsgResamplingOptions, type KsgIntervalOptions, type KsgIntervalResult,
} from './analysis/significance.js';
export {
  bootstrapInterval, benjaminiHochberg, politisWhiteBlock, excessOverNull, permutationP, percentiles, MIN_REPLICATES,
  type IntervalMethod, type IntervalInput, type Interval, type Excess,
} from './analysis/intervals.js';
export { biasCheck, binnedEstimateInfo, ROWS_PER_CELL, type EstimateInfo } from './analysis/bias.js';
export { rankToTarget, type RankOptions, type RankEntry, type Ranking, type VariableInput } from './analysis/rank.js';
export { miDrift, miDriftSync, driftTable, type DriftOptions, type DriftResult, type DriftWindow, type DriftChange, type DriftPairs } from './analysis/drift.js';
export { leakageScore, leakageTable, type LeakageOptions, type LeakageResult, type LeakageScore, type CategoricalSeries, type CategoricalTable } from './analysis/leakage.js';
export { transferEntropy, type TransferEntropyOptions, type TransferEntropyResult } from './analysis/transfer.js';
export { categoryCodes, type Coded, type Categories } from './analysis/coding.js';
export { conditionalMutualInformation } from './analysis/plugin.js';
export { readCsvStrings, parseCsvStrings, type StringTable } from './io/csv.js';
export { readLabels, labelValues, type Labels } from './io/labels.js';
export { writeRanking, writeDrift, writeLeakage } from './io/write.js';
export { driftReportHtml, driftSvg, writeDriftReport } from './report/drift.js';
export { parseShard, shardRows, tableDigest, partHeader, writePart, readPart, mergeParts, mergePartFiles, computeShard, encodePart, decodePart, type ShardSpec, type ShardPart, type PartHeader, type PartKind } from './shard.js';
export { pairwise, checkPairwiseOptions, canonicalPairwiseOptions, pairwiseOutput, PAIRWISE_MEASURES, type PairwiseOptions, type PairwiseMeasure } from './estimators/pairwise.js';
export { submitRun, startWorker, runStatus, waitRun, collectRun, removeRun, redisUrl, type RunInfo, type RunStatus, type SubmitOptions, type WorkerOptions, type RunningWorker } from './queue.js';
export { WorkerPool, createPool, threadBudget, shareTable, tableFromShared, type PoolOptions, type SharedTable } from './pool/pool.js';
export { transferEntropies, selectMany, readTables, parseCsvInPool } from './pool/parallel.js';
export { SlidingWindow, recomputeWindow, normalQuantile, type WindowOptions, type WindowSnapshot, type Epoch, type PairValue } from './watch/window.js';
export { Watch, startWatch, type WatchOptions } from './watch/service.js';
export { watchAlertRulesYaml, type WatchAlertOptions } from './watch/alerts.js';
export { watchDashboards, type DashboardOptions } from './watch/dashboards.js';
