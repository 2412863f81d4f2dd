#!/usr/bin/env node
/**
 * Generates a realistic monorepo for the benchmark: Go (go-zero style) and TypeScript (Express/Nest style)
 * services, each with source, Dockerfile, multi-document Kubernetes manifests, protos, configs and CI, and a
 * realistic share of problems (a hardcoded secret here, a missing probe there, console.log, fmt.Println).
 * Deterministic: the same size gives the same bytes, so runs on different machines compare.
 *
 *   node bench/generate.mjs [--files 10000] [--out /tmp/readiness-bench/monorepo-10000]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { files: { type: "string" }, out: { type: "string" } } });
const target = Number(values.files ?? 10000);
const out = path.resolve(values.out ?? `/tmp/readiness-bench/monorepo-${target}`);

/** A small seeded PRNG (mulberry32): deterministic output without a dependency. */
function prng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20261203);
const chance = (p) => random() < p;
const pick = (list) => list[Math.floor(random() * list.length)];

const ENTITIES = ["patient", "visit", "consent", "survey", "answer", "site", "study", "device", "dose", "event", "report", "invoice"];
const FIELDS = ["Id", "Name", "Status", "CreatedAt", "UpdatedAt", "SiteId", "Version", "Score", "Notes", "Owner"];
let written = 0;

function write(file, text) {
  const full = path.join(out, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  written++;
}

function goLogic(service, entity, index) {
  const Type = entity[0].toUpperCase() + entity.slice(1);
  const lines = [
    `package logic`,
    ``,
    `import (`,
    `\t"context"`,
    `\t"fmt"`,
    `\t"time"`,
    ``,
    `\t"github.com/zeromicro/go-zero/core/logx"`,
    `\t"example.com/${service}/internal/svc"`,
    `\t"example.com/${service}/pb"`,
    `)`,
    ``,
    `type ${Type}Logic${index} struct {`,
    `\tctx    context.Context`,
    `\tsvcCtx *svc.ServiceContext`,
    `\tlogx.Logger`,
    `}`,
    ``,
    `func New${Type}Logic${index}(ctx context.Context, svcCtx *svc.ServiceContext) *${Type}Logic${index} {`,
    `\treturn &${Type}Logic${index}{ctx: ctx, svcCtx: svcCtx, Logger: logx.WithContext(ctx)}`,
    `}`,
    ``,
  ];
  for (let m = 0; m < 6; m++) {
    lines.push(
      `// Get${Type}${m} loads a ${entity} and checks its state before returning it.`,
      `func (l *${Type}Logic${index}) Get${Type}${m}(in *pb.Get${Type}Request) (*pb.Get${Type}Response, error) {`,
      `\tstarted := time.Now()`,
      `\trecord, err := l.svcCtx.${Type}Model.FindOne(l.ctx, in.Id)`,
      `\tif err != nil {`,
      `\t\tl.Errorf("find ${entity} %d: %v", in.Id, err)`,
      `\t\treturn nil, err`,
      `\t}`,
    );
    for (const field of FIELDS.slice(0, 4 + (m % 6))) lines.push(`\tif record.${field} == nil {`, `\t\tl.Infof("${entity} %d has no ${field}", in.Id)`, `\t}`);
    if (chance(0.004)) lines.push(`\tfmt.Println("debug", in.Id)`);
    lines.push(`\tl.Infof("took %s", time.Since(started))`, `\treturn &pb.Get${Type}Response{Id: record.Id}, nil`, `}`, ``);
  }
  lines.push(`var _ = fmt.Sprintf`, ``);
  return lines.join("\n");
}

function tsModule(service, entity, index) {
  const Type = entity[0].toUpperCase() + entity.slice(1);
  const lines = [
    `import { Router, type Request, type Response } from "express";`,
    `import { z } from "zod";`,
    `import { logger } from "../logger";`,
    `import { repository } from "../db";`,
    ``,
    `const ${Type}Input = z.object({ id: z.string().uuid(), status: z.enum(["open", "closed"]).optional() });`,
    ``,
    `export interface ${Type}${index} {`,
    ...FIELDS.map((f) => `  ${f[0].toLowerCase() + f.slice(1)}: string | null;`),
    `}`,
    ``,
    `export const ${entity}Router${index} = Router();`,
    ``,
  ];
  for (let m = 0; m < 6; m++) {
    lines.push(
      `/** Returns one ${entity}; validates the input first. */`,
      `${entity}Router${index}.get("/${entity}s${index}/${m}/:id", async (req: Request, res: Response) => {`,
      `  const input = ${Type}Input.safeParse({ id: req.params.id });`,
      `  if (!input.success) return res.status(400).json({ error: "invalid input" });`,
      `  const record = await repository.find${Type}(input.data.id);`,
      `  if (!record) return res.status(404).end();`,
    );
    for (const field of FIELDS.slice(0, 4 + (m % 6))) {
      const key = field[0].toLowerCase() + field.slice(1);
      lines.push(`  if (record.${key} === null) logger.info({ id: input.data.id }, "${entity} has no ${key}");`);
    }
    if (chance(0.004)) lines.push(`  console.log("debug", input.data.id);`);
    lines.push(`  return res.json(record);`, `});`, ``);
  }
  return lines.join("\n");
}

function proto(service, entity) {
  const Type = entity[0].toUpperCase() + entity.slice(1);
  return `syntax = "proto3";

package ${service.replace(/-/g, "_")}.v1;

option go_package = "example.com/${service}/pb";

// ${Type}Service serves ${entity} records.
service ${Type}Service {
  // Get${Type} returns one ${entity}.
  rpc Get${Type}(Get${Type}Request) returns (Get${Type}Response);
  // List${Type}s returns a page of ${entity}s.
  rpc List${Type}s(List${Type}sRequest) returns (List${Type}sResponse);
}

message Get${Type}Request {
  int64 id = 1;
}

message Get${Type}Response {
  int64 id = 1;
  string name = 2;
  ${Type}Status status = 3;
}

message List${Type}sRequest {
  int32 page_size = 1;
  string page_token = 2;
}

message List${Type}sResponse {
  repeated Get${Type}Response items = 1;
  string next_page_token = 2;
}

enum ${Type}Status {
  ${Type.toUpperCase()}_STATUS_UNSPECIFIED = 0;
  ${Type.toUpperCase()}_STATUS_ACTIVE = 1;
  ${Type.toUpperCase()}_STATUS_CLOSED = 2;
}
`;
}

function manifests(service, port, withProbes) {
  const probes = withProbes
    ? `          readinessProbe:
            httpGet: { path: /ready, port: ${port} }
          livenessProbe:
            httpGet: { path: /healthz, port: ${port} }
`
    : "";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${service}
  labels: { app: ${service} }
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${service} }
  template:
    metadata:
      labels: { app: ${service} }
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: ${service}
          image: registry.example.com/${service}:1.4.${port % 10}
          ports:
            - containerPort: ${port}
${probes}          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { memory: 256Mi }
          env:
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: ${service}-db, key: password } }
---
apiVersion: v1
kind: Service
metadata:
  name: ${service}
spec:
  selector: { app: ${service} }
  ports:
    - port: 80
      targetPort: ${port}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${service}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${service} }
  minReplicas: 2
  maxReplicas: 6
`;
}

function goService(name, port, size) {
  write(`services/${name}/go.mod`, `module example.com/${name}\n\ngo 1.22\n\nrequire github.com/zeromicro/go-zero v1.7.0\n`);
  write(`services/${name}/go.sum`, `github.com/zeromicro/go-zero v1.7.0 h1:abc=\ngithub.com/zeromicro/go-zero v1.7.0/go.mod h1:def=\n`);
  // readiness-check-disable-next-line secrets/hardcoded-secret -- a made-up password the benchmark plants on purpose
  const secret = chance(0.1) ? "root:S3cr3t-Passw0rd@tcp(db:3306)/app" : "${DB_USER}:${DB_PASSWORD}@tcp(db:3306)/app";
  write(`services/${name}/etc/${name}.yaml`, `Name: ${name}\nListenOn: 0.0.0.0:${port}\nDB:\n  DataSource: ${secret}\nCache:\n  - Host: redis:6379\nTelemetry:\n  Endpoint: http://otel:4318\n`);
  write(`services/${name}/Dockerfile`, `FROM golang:1.22-alpine AS builder\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=builder /out/app /app\nCOPY etc /etc/app\nUSER nonroot\nEXPOSE ${port}\nENTRYPOINT ["/app", "-f", "/etc/app/${name}.yaml"]\n`);
  write(`services/${name}/deploy/k8s.yaml`, manifests(name, port, !chance(0.1)));
  const entity = pick(ENTITIES);
  write(`services/${name}/proto/${entity}.proto`, proto(name, entity));
  write(`services/${name}/${name}.go`, `package main\n\nimport (\n\t"flag"\n\n\t"github.com/zeromicro/go-zero/core/conf"\n\t"github.com/zeromicro/go-zero/zrpc"\n)\n\nvar configFile = flag.String("f", "etc/${name}.yaml", "the config file")\n\nfunc main() {\n\tflag.Parse()\n\tvar c zrpc.RpcServerConf\n\tconf.MustLoad(*configFile, &c)\n\ts := zrpc.MustNewServer(c, nil)\n\tdefer s.Stop()\n\ts.Start()\n}\n`);
  for (let i = 0; written < size; i++) write(`services/${name}/internal/logic/${pick(ENTITIES)}logic${i}.go`, goLogic(name, pick(ENTITIES), i));
}

function tsService(name, port, size) {
  write(`services/${name}/package.json`, JSON.stringify({ name, version: "1.0.0", private: true, scripts: { start: "node dist/main.js", test: "vitest run" }, dependencies: { express: "^4.21.0", zod: "^3.23.0", pino: "^9.0.0" } }, null, 2) + "\n");
  write(`services/${name}/package-lock.json`, JSON.stringify({ name, lockfileVersion: 3, requires: true, packages: { "": { name } } }, null, 2) + "\n");
  write(`services/${name}/tsconfig.json`, `{ "compilerOptions": { "strict": true, "outDir": "dist" } }\n`);
  write(`services/${name}/Dockerfile`, `FROM node:20.18-alpine AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build && npm prune --omit=dev\n\nFROM node:20.18-alpine\nWORKDIR /app\nCOPY --from=build /app/node_modules ./node_modules\nCOPY --from=build /app/dist ./dist\nUSER node\nEXPOSE ${port}\nCMD ["node", "dist/main.js"]\n`);
  write(`services/${name}/deploy/k8s.yaml`, manifests(name, port, !chance(0.1)));
  const token = chance(0.1) ? "sk_live_51H8xKqLmNoPqRsTuVwXyZ0123456789abcdef" : "${STRIPE_KEY}";
  write(`services/${name}/config/production.json`, JSON.stringify({ port, redis: { host: "redis", port: 6379 }, stripe: { apiKey: token } }, null, 2) + "\n");
  write(`services/${name}/src/logger.ts`, `import pino from "pino";\n\nexport const logger = pino({ redact: ["password", "token"] });\n`);
  write(`services/${name}/src/main.ts`, `import express from "express";\nimport { logger } from "./logger";\n\nconst app = express();\napp.get("/healthz", (_req, res) => res.send("ok"));\napp.get("/ready", (_req, res) => res.send("ok"));\nconst server = app.listen(${port}, () => logger.info("listening"));\nprocess.on("SIGTERM", () => server.close());\n`);
  for (let i = 0; written < size; i++) write(`services/${name}/src/routes/${pick(ENTITIES)}${i}.ts`, tsModule(name, pick(ENTITIES), i));
}

rmSync(out, { recursive: true, force: true });
write(".gitignore", "node_modules/\ndist/\n");
write(".github/workflows/ci.yml", `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: go mod download && go mod verify\n      - run: npm ci && npm test\n      - run: go test ./...\n`);
const perService = 100;
for (let s = 0; written < target; s++) {
  const go = s % 5 !== 4; // four Go services for one TypeScript service, as in many go-zero shops
  const name = `${pick(ENTITIES)}-${go ? "rpc" : "api"}-${s}`;
  const size = Math.min(target, written + perService);
  if (go) goService(name, 8000 + (s % 1000), size);
  else tsService(name, 3000 + (s % 1000), size);
}
console.log(`${written} files in ${out}`);
