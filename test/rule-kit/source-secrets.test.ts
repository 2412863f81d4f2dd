/**
 * Go secret candidates are found from the text's string literals and looked up in the tree only when
 * their value may hold a secret; that must give exactly what walking every literal in the tree gives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoParser, type GoParser } from "../../src/loaders/go.js";
import { goSecretCandidates, goSecretCandidatesInTree } from "../../src/rule-kit/source-secrets.js";

let parser: GoParser;
beforeAll(async () => {
  parser = await createGoParser();
});
afterAll(() => parser.dispose());

function bothWays(text: string) {
  const { file } = parser.parse("svc/config.go", text);
  try {
    return { fromText: goSecretCandidates(file), fromTree: goSecretCandidatesInTree(file) };
  } finally {
    parser.free(file);
  }
}

const TRICKY = `package config

import (
	"fmt"
	jwt "github.com/golang-jwt/jwt/v5" // a "quoted" comment: "sk_live_51Habcdefghijklmnopqrstuv"
)

/* a block comment holding "ghp_abcdefghijklmnopqrstuvwxyz0123456789" and a backtick \` */
const quote = '"'
const tick = '\\''

// Ünïcödé before the literals moves byte offsets away from character offsets: "é".
const apiKey = "sk_live_51Habcdefghijklmnopqrstuv"

type Config struct {
	Password string \`json:"password" yaml:"password"\`
	Stripe   string \`default:"sk_live_51Habcdefghijklmnopqrstuv"\`
}

var dsn = \`postgres://app:S3cr3tPassw0rd@db:5432/app\`

func getTestUsers() []string {
	return []string{"postgres://u:Fixture-Pass-123@localhost/db"}
}

func sign(t *jwt.Token) (string, error) {
	escaped := "\\x41\\u00e9 \\"quoted\\" secret-value-123"
	fmt.Println(escaped)
	return t.SignedString([]byte("my-very-secret-signing-key"))
}
`;

describe("Go secret candidates", () => {
  it("are the tree's literals, in order, with the same bindings, found from the text", () => {
    const { fromText, fromTree } = bothWays(TRICKY);
    expect(fromText).toEqual(fromTree);
    // Comments, rune literals, struct tags and import paths hold none; these four literals may.
    expect(fromText.map((c) => [c.range.start.line, c.where, c.inFixtureCode ?? false])).toEqual([
      [13, "constant `apiKey`", false],
      [20, "variable `dsn`", false],
      [23, "a string literal", true],
      [29, "the signing key passed to `t.SignedString`", false],
    ]);
  });

  it("walk the tree when it has errors", () => {
    const broken = 'package config\n\nconst apiKey = "sk_live_51Habcdefghijklmnopqrstuv"\n\nfunc f( {\n\ttoken := "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n';
    const { fromText, fromTree } = bothWays(broken);
    expect(fromText).toEqual(fromTree);
    expect(fromText.length).toBeGreaterThan(0);
  });
});
