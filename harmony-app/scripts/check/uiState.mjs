/*
 * HAPP-SDK-4, ArkUI state: in a @Component (@ComponentV2, @CustomDialog) struct, a field with no decorator that a
 * render method reads (build(), pageTransition(), a @Builder/@LocalBuilder method) and that is assigned after
 * construction is a bug: ArkUI re-renders only for decorated state, so the screen keeps the first value. The
 * compiler and the linter accept it; this finds it.
 *
 * Reads count in the render method's own body and in the item builders of ForEach/LazyForEach (which render), not in
 * event callbacks (`.onClick(() => ...)`), which run later and read the current value anyway. Writes are any
 * assignment (=, op=, ++, --) to `this.field` anywhere in the struct; the field's initializer is construction.
 * Mutating an object a field holds (`this.list.push(x)`) is not an assignment and not found here.
 */
import { etsOptions } from './sdk.mjs';
import { lineOf } from './program.mjs';

const COMPONENT_DECORATORS = new Set(['Component', 'ComponentV2', 'CustomDialog']);

function decoratorNames(ts, node) {
  const decorators = (ts.canHaveDecorators?.(node) ? ts.getDecorators(node) : node.decorators) ?? [];
  return decorators.map((d) => {
    const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(e) ? e.text : '';
  });
}

const thisField = (ts, n) => ts.isPropertyAccessExpression(n) && n.expression.kind === ts.SyntaxKind.ThisKeyword ? n.name.text : undefined;

function isAssignmentTarget(ts, n) {
  const p = n.parent;
  if (ts.isBinaryExpression(p) && p.left === n) {
    const k = p.operatorToken.kind;
    return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
  }
  if (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) {
    return p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken;
  }
  return false;
}

/** `this.x` reads in a render body, descending into ForEach/LazyForEach item builders but not event callbacks. */
function renderReads(ts, body, renderCallees, out) {
  const visit = (n) => {
    if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
      const call = n.parent;
      const callee = ts.isCallExpression(call) ? call.expression : undefined;
      if (!callee || !ts.isIdentifier(callee) || !renderCallees.has(callee.text)) return;
    }
    const name = thisField(ts, n);
    if (name !== undefined && !isAssignmentTarget(ts, n) && !out.has(name)) out.set(name, n);
    ts.forEachChild(n, visit);
  };
  visit(body);
}

/**
 * @param ts ohos-typescript
 * @param sourceFiles the parsed .ets files to check
 * @param report (kind, file, line, message)
 */
export function checkUiState(ts, sourceFiles, report) {
  const opts = etsOptions();
  const renderMethods = new Set(opts.render.method);
  const renderDecorators = new Set(opts.render.decorator);
  const renderCallees = new Set(opts.syntaxComponents.paramsUICallback);
  for (const sf of sourceFiles) {
    const visitTop = (node) => {
      if (ts.isStructDeclaration?.(node) && decoratorNames(ts, node).some((d) => COMPONENT_DECORATORS.has(d))) checkStruct(node);
      ts.forEachChild(node, visitTop);
    };
    const checkStruct = (struct) => {
      const plain = new Map();
      for (const m of struct.members) {
        const isStatic = (m.modifiers ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
        if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && !isStatic && decoratorNames(ts, m).length === 0) plain.set(m.name.text, m);
      }
      if (plain.size === 0) return;
      const reads = new Map();
      for (const m of struct.members) {
        if (!ts.isMethodDeclaration(m) || !m.body || !ts.isIdentifier(m.name)) continue;
        if (renderMethods.has(m.name.text) || decoratorNames(ts, m).some((d) => renderDecorators.has(d))) {
          renderReads(ts, m.body, renderCallees, reads);
        }
      }
      const writes = new Map();
      const visitWrites = (n) => {
        const name = thisField(ts, n);
        if (name !== undefined && isAssignmentTarget(ts, n) && !writes.has(name)) writes.set(name, n);
        ts.forEachChild(n, visitWrites);
      };
      for (const m of struct.members) if (!ts.isPropertyDeclaration(m)) visitWrites(m);
      for (const [name, decl] of plain) {
        if (!reads.has(name) || !writes.has(name)) continue;
        report(
          'ui-state',
          sf.fileName,
          lineOf(sf, decl.getStart(sf)),
          `HAPP-SDK-4 '${name}' has no state decorator, is read when rendering (line ${lineOf(sf, reads.get(name).getStart(sf))}) ` +
            `and assigned after construction (line ${lineOf(sf, writes.get(name).getStart(sf))}): the UI never re-renders for it; ` +
            'make it @State (or @Local in a @ComponentV2) or stop assigning it',
        );
      }
    };
    visitTop(sf);
  }
}
