import type { Node } from "web-tree-sitter";
import { ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoParser, type GoParser } from "../../src/loaders/go.js";
import { parseTsFile } from "../../src/loaders/typescript.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import type { GoFile } from "../../src/model/artifacts.js";
import type { GoSourceFile, TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { goRoutes, joinPath, routeServes, tsRoutes, type FileRoutes } from "../../src/rule-kit/routes.js";

let parser: GoParser;
beforeAll(async () => {
  parser = await createGoParser();
});
afterAll(() => parser.dispose());

function go(text: string): FileRoutes {
  const { file } = parser.parse("svc/main.go", text);
  try {
    return goRoutes(file as GoFile<Node> as GoSourceFile);
  } finally {
    parser.free(file);
  }
}

const readTs = tsRoutes(ts);
function typescript(text: string, path = "src/app.ts"): FileRoutes {
  return readTs(parseTsFile(path, text).file as TsSourceFile);
}

const summary = (r: FileRoutes) => r.routes.map((x) => `${x.method ?? "*"} ${x.path}${x.exact ? "" : " (suffix)"}${x.auth ? " [auth]" : ""}`);

describe("Go routes", () => {
  it("reads net/http, gorilla prefixes and Go 1.22 patterns", () => {
    const r = go(`package main
import ("net/http"; "github.com/gorilla/mux")
const health = "/healthz"
func main() {
	http.HandleFunc("GET /items/{id}", h)
	http.Handle(health, h)
	r := mux.NewRouter()
	r.HandleFunc(base+"/_healthz", h)
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/orders", h).Methods("POST")
	r.PathPrefix("/static/").Handler(fs)
	http.Get("https://example.com/")
}`);
    expect(summary(r)).toEqual(["GET /items/{id}", "* /healthz", "* /_healthz (suffix)", "* /api/orders", "* /static/"]);
    expect(r.routes[4]!.prefixMatch).toBe(true);
  });

  it("reads gin groups with auth middleware and computed paths", () => {
    const r = go(`package main
import "github.com/gin-gonic/gin"
func main() {
	r := gin.New()
	r.GET("/healthz", h)
	v1 := r.Group("/v1", middleware.JWTAuth())
	v1.POST("/orders", h)
	admin := v1.Group("/admin")
	admin.Use(requireRBAC)
	admin.DELETE("/users/:id", h)
	r.GET(path, h)
	cache.Get("/k", &v)
}`);
    expect(summary(r)).toEqual(["GET /healthz", "POST /v1/orders [auth]", "DELETE /v1/admin/users/:id [auth]"]);
    expect(r.unresolved).toHaveLength(1);
  });

  it("reads go-zero AddRoutes with prefix and jwt", () => {
    const r = go(`package handler
import ("net/http"; "github.com/zeromicro/go-zero/rest")
func RegisterHandlers(server *rest.Server) {
	server.AddRoutes([]rest.Route{{Method: http.MethodPost, Path: "/user/login", Handler: h}}, rest.WithPrefix("/usercenter/v1"))
	server.AddRoutes([]rest.Route{{Method: http.MethodGet, Path: "/user/detail", Handler: h}}, rest.WithJwt(secret), rest.WithPrefix("/usercenter/v1"))
}`);
    expect(summary(r)).toEqual(["POST /usercenter/v1/user/login", "GET /usercenter/v1/user/detail [auth]"]);
  });

  it("reads chi Route closures", () => {
    const r = go(`package main
import "github.com/go-chi/chi/v5"
func main() {
	r := chi.NewRouter()
	r.Route("/api", func(r chi.Router) {
		r.Use(authMiddleware)
		r.Get("/me", h)
	})
}`);
    expect(summary(r)).toEqual(["GET /api/me [auth]"]);
  });
});

describe("TypeScript routes", () => {
  it("reads Express routes with per-route auth middleware and mounts", () => {
    const r = typescript(`import express from 'express'
const app = express()
const api = express.Router()
app.get('/healthz', (req, res) => res.send('ok'))
api.post('/orders', requireAuth, create)
app.use('/api', api)
axios.get('/x', {})
map.get('/x')`);
    expect(summary(r)).toEqual(["GET /healthz", "POST /orders [auth]", "* /api"]);
    expect(r.mounts.map((m) => m.prefix)).toEqual(["/api"]);
  });

  it("reads NestJS controllers, guards, public markers and the global prefix", () => {
    const r = typescript(`import { Controller, Get, Post, UseGuards } from '@nestjs/common'
@Controller('cats')
@UseGuards(AuthGuard('jwt'))
export class CatController {
  @Get(':id') one() {}
  @Post() @Public() create() {}
}
@Controller()
export class RootController { @Get() root() {} }
async function bootstrap() { const app = await NestFactory.create(M); app.setGlobalPrefix('api', { exclude: ['health'] }) }`);
    expect(summary(r)).toEqual(["GET /cats/:id [auth]", "POST /cats [auth]", "GET /"]);
    expect(r.routes[1]!.markedPublic).toBe(true);
    expect(r.nestGlobalPrefix).toMatchObject({ prefix: "api", exclude: ["health"] });
  });

  it("reads Fastify route options", () => {
    const r = typescript(`import Fastify from 'fastify'
const fastify = Fastify()
fastify.route({ method: 'GET', url: '/ready', handler })
fastify.get('/me', { preHandler: fastify.authenticate }, handler)`);
    expect(summary(r)).toEqual(["GET /ready", "GET /me [auth]"]);
  });
});

describe("matching", () => {
  const route = (path: string, extra: object = {}) => ({ path, exact: true, framework: "gin" as const, file: "a.go", range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, auth: false, ...extra });
  it("matches parameters, prefixes, suffix-only paths and trailing slashes", () => {
    expect(routeServes(route("/product/{id}"), "/product/42")).toBe(true);
    expect(routeServes(route("/users/:id"), "/users/7/")).toBe(true);
    expect(routeServes(route("/users/:id"), "/users")).toBe(false);
    expect(routeServes(route("/_healthz", { exact: false }), "/shop/_healthz")).toBe(true);
    expect(routeServes(route("/static/", { prefixMatch: true }), "/static/app.css")).toBe(true);
    expect(routeServes(route("/healthz"), "/healthz?full=1")).toBe(true);
    expect(routeServes(route("/healthz"), "/health")).toBe(false);
  });
  it("applies the Nest global prefix unless excluded", () => {
    const prefix = { prefix: "api", exclude: ["health/live"], file: "m.ts", range: route("/").range };
    const nest = (path: string, version?: string) => route(path, { framework: "nestjs", nest: version ? { version } : {} });
    expect(routeServes(nest("/health/ready"), "/health/ready", prefix)).toBe(false);
    expect(routeServes(nest("/health/ready"), "/api/health/ready", prefix)).toBe(true);
    expect(routeServes(nest("/health/live"), "/health/live", prefix)).toBe(true);
    expect(routeServes(nest("/cats", "1"), "/api/v1/cats", prefix)).toBe(true);
  });
  it("joins prefixes", () => {
    expect(joinPath("usercenter/v1", "/user/login")).toBe("/usercenter/v1/user/login");
    expect(joinPath("/api/", "/")).toBe("/api/");
  });
});

describe("scanRelative", () => {
  it("strips the scanned folder, and maps the scanned folder itself to the root", () => {
    const repo = { scanPrefix: "examples/svc" };
    expect(scanRelative(repo, "examples/svc/deploy/k8s.yaml")).toBe("deploy/k8s.yaml");
    expect(scanRelative(repo, "examples/svc")).toBe("");
    expect(scanRelative(repo, "examples/svc-other/x.yaml")).toBe("examples/svc-other/x.yaml");
    expect(scanRelative({ scanPrefix: "" }, "examples/svc")).toBe("examples/svc");
  });
});
