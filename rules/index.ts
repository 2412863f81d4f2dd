import type { Rule } from "../src/rule-kit/define-rule.js";
import ciDependenciesVerified from "./ci/dependencies-verified.js";
import dbPoolLifetimeSet from "./db/pool-lifetime-set.js";
import depsLockfilePresent from "./deps/lockfile-present.js";
import dockerBaseImagePinned from "./docker/base-image-pinned.js";
import dockerMultiStageBuild from "./docker/multi-stage-build.js";
import dockerNonRootUser from "./docker/non-root-user.js";
import dockerDependenciesBeforeSource from "./docker/dependencies-before-source.js";
import dockerExecFormCommand from "./docker/exec-form-command.js";
import dockerFrozenLockfileInstall from "./docker/frozen-lockfile-install.js";
import dockerStaticGoBinary from "./docker/static-go-binary.js";
import dockerScratchCaCertificates from "./docker/scratch-ca-certificates.js";
import dockerNoSecretBuildArgs from "./docker/no-secret-build-args.js";
import dockerHealthcheckDefined from "./docker/healthcheck-defined.js";
import dockerRuntimeConfigPresent from "./docker/runtime-config-present.js";
import dockerDockerignorePresent from "./docker/dockerignore-present.js";
import goNoFmtPrint from "./go/no-fmt-print.js";
import k8sProbesDefined from "./k8s/probes-defined.js";
import k8sResourcesSet from "./k8s/resources-set.js";
import protoBreakingChange from "./proto/breaking-change.js";
import protoFileOptions from "./proto/file-options.js";
import protoImportsResolve from "./proto/imports-resolve.js";
import protoNaming from "./proto/naming.js";
import protoPackageLayout from "./proto/package-layout.js";
import protoPackageOptionsConsistent from "./proto/package-options-consistent.js";
import protoRpcMessages from "./proto/rpc-messages.js";
import protoServiceComments from "./proto/service-comments.js";
import secretsHardcodedSecret from "./secrets/hardcoded-secret.js";
import tsNoConsole from "./ts/no-console.js";
import k8sUnknownField from "./k8s/unknown-field.js";
import k8sImagePinned from "./k8s/image-pinned.js";
import k8sProbeSettings from "./k8s/probe-settings.js";
import k8sSecurityContext from "./k8s/security-context.js";
import k8sPrivilegedContainer from "./k8s/privileged-container.js";
import ciTestsRun from "./ci/tests-run.js";
import ciSecurityScan from "./ci/security-scan.js";
import k8sReplicasRedundant from "./k8s/replicas-redundant.js";
import k8sPodDisruptionBudget from "./k8s/pod-disruption-budget.js";
import k8sServiceTargetsPods from "./k8s/service-targets-pods.js";
import k8sGracefulTermination from "./k8s/graceful-termination.js";
import k8sAlertRulesPresent from "./k8s/alert-rules-present.js";
import crossMetricsScraped from "./cross/metrics-scraped.js";
import crossPortConsistency from "./cross/port-consistency.js";
import crossDevConfigInImage from "./cross/dev-config-in-image.js";
import grpcStatusCodeErrors from "./grpc/status-code-errors.js";
import errorsPanicRecovery from "./errors/panic-recovery.js";
import loggingStructuredLogger from "./logging/structured-logger.js";
import loggingPiiMasked from "./logging/pii-masked.js";
// lifecycle, observability, routes
import crossProbePathExists from "./cross/probe-path-exists.js";
import serviceGracefulShutdown from "./service/graceful-shutdown.js";
import serviceHttpTimeouts from "./service/http-timeouts.js";
import serviceHealthEndpoints from "./service/health-endpoints.js";
import observabilityTracingConfigured from "./observability/tracing-configured.js";
import observabilityMetricsExposed from "./observability/metrics-exposed.js";
import securityRoutesAuthenticated from "./security/routes-authenticated.js";
// src-deps: dependency and security rules over service source
import dbSqlInjection from "./db/sql-injection.js";
import dbPoolSizeBounded from "./db/pool-size-bounded.js";
import mqConsumerAcksAfterSuccess from "./mq/consumer-acks-after-success.js";
import cacheTtlJitter from "./cache/ttl-jitter.js";
import cacheStampedeProtection from "./cache/stampede-protection.js";
import cacheNegativeCaching from "./cache/negative-caching.js";
import securityInputValidated from "./security/input-validated.js";
import securityJwtAlgorithmsPinned from "./security/jwt-algorithms-pinned.js";

/** Every rule, explicitly: adding a rule means adding it here. */
export const allRules: readonly Rule[] = [
  depsLockfilePresent,
  ciDependenciesVerified,
  dockerMultiStageBuild,
  dockerBaseImagePinned,
  dockerNonRootUser,
  dockerExecFormCommand,
  dockerDependenciesBeforeSource,
  dockerFrozenLockfileInstall,
  dockerStaticGoBinary,
  dockerScratchCaCertificates,
  dockerNoSecretBuildArgs,
  dockerHealthcheckDefined,
  dockerRuntimeConfigPresent,
  dockerDockerignorePresent,
  secretsHardcodedSecret,
  protoFileOptions,
  protoBreakingChange,
  protoPackageLayout,
  protoPackageOptionsConsistent,
  protoNaming,
  protoRpcMessages,
  protoServiceComments,
  protoImportsResolve,
  tsNoConsole,
  goNoFmtPrint,
  dbPoolLifetimeSet,
  k8sProbesDefined,
  k8sResourcesSet,
  k8sUnknownField,
  k8sImagePinned,
  k8sProbeSettings,
  k8sSecurityContext,
  k8sPrivilegedContainer,
  ciTestsRun,
  ciSecurityScan,
  k8sReplicasRedundant,
  k8sPodDisruptionBudget,
  k8sServiceTargetsPods,
  k8sGracefulTermination,
  crossPortConsistency,
  crossDevConfigInImage,
  crossMetricsScraped,
  k8sAlertRulesPresent,
  grpcStatusCodeErrors,
  errorsPanicRecovery,
  loggingStructuredLogger,
  loggingPiiMasked,
  // lifecycle, observability, routes
  crossProbePathExists,
  serviceGracefulShutdown,
  serviceHttpTimeouts,
  serviceHealthEndpoints,
  observabilityTracingConfigured,
  observabilityMetricsExposed,
  securityRoutesAuthenticated,
  // src-deps
  dbSqlInjection,
  dbPoolSizeBounded,
  mqConsumerAcksAfterSuccess,
  cacheTtlJitter,
  cacheStampedeProtection,
  cacheNegativeCaching,
  securityInputValidated,
  securityJwtAlgorithmsPinned,
];
