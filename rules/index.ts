import type { Rule } from "../src/rule-kit/define-rule.js";
import ciDependenciesVerified from "./ci/dependencies-verified.js";
import dbPoolLifetimeSet from "./db/pool-lifetime-set.js";
import depsLockfilePresent from "./deps/lockfile-present.js";
import dockerBaseImagePinned from "./docker/base-image-pinned.js";
import dockerMultiStageBuild from "./docker/multi-stage-build.js";
import dockerNonRootUser from "./docker/non-root-user.js";
import goNoFmtPrint from "./go/no-fmt-print.js";
import k8sProbesDefined from "./k8s/probes-defined.js";
import k8sResourcesSet from "./k8s/resources-set.js";
import protoFileOptions from "./proto/file-options.js";
import secretsHardcodedSecret from "./secrets/hardcoded-secret.js";
import tsNoConsole from "./ts/no-console.js";
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
  secretsHardcodedSecret,
  protoFileOptions,
  tsNoConsole,
  goNoFmtPrint,
  dbPoolLifetimeSet,
  k8sProbesDefined,
  k8sResourcesSet,
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
