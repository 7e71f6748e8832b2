/*
 * HAPP-SDK-6, lifecycle order: notificationManager.requestEnableNotification shows a dialog over the app's UI and
 * works only once that UI is loaded (its SDK doc binds it to the UIAbility's context), so every call must run after
 * windowStage.loadContent has completed: inside loadContent's completion callback (or a `.then` of its promise),
 * directly or through a method of the same class called only from there. Its failure must be handled (a `.catch` /
 * `.then(ok, failed)` on the promise or the callback form), not left to vanish as an unhandled rejection.
 */
import { lineOf } from './program.mjs';

const isCallTo = (ts, n, name) =>
  ts.isCallExpression(n) && (ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ts.isIdentifier(n.expression) ? n.expression.text : '') === name;

/** Inside a function that is loadContent's callback argument or the handler of a `.then` on loadContent(...). */
function afterLoadContent(ts, node) {
  for (let n = node; n; n = n.parent) {
    if (!(ts.isArrowFunction(n) || ts.isFunctionExpression(n)) || !ts.isCallExpression(n.parent)) continue;
    const call = n.parent;
    if (isCallTo(ts, call, 'loadContent')) return true;
    if (isCallTo(ts, call, 'then') && ts.isPropertyAccessExpression(call.expression) && isCallTo(ts, call.expression.expression, 'loadContent')) return true;
  }
  return false;
}

function handled(ts, call) {
  if (call.arguments.some((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a))) return true;
  for (let n = call; n.parent && ts.isPropertyAccessExpression(n.parent) && ts.isCallExpression(n.parent.parent); n = n.parent.parent) {
    const method = n.parent.name.text;
    if (method === 'catch' || (method === 'then' && n.parent.parent.arguments.length >= 2)) return true;
  }
  return false;
}

export function checkLifecycle(ts, sourceFiles, report) {
  for (const sf of sourceFiles) {
    const calls = [];
    const visit = (n) => {
      if (isCallTo(ts, n, 'requestEnableNotification')) calls.push(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    for (const call of calls) {
      const line = lineOf(sf, call.getStart(sf));
      if (!handled(ts, call)) report('lifecycle', sf.fileName, line, 'HAPP-SDK-6 requestEnableNotification failure is not handled (.catch or callback)');
      if (afterLoadContent(ts, call)) continue;
      // Through a method of the same class: every `this.m(...)` call of the enclosing method must be after loadContent.
      let method = call.parent;
      while (method && !ts.isMethodDeclaration(method)) method = method.parent;
      const cls = method?.parent;
      const name = method && ts.isIdentifier(method.name) ? method.name.text : undefined;
      const uses = [];
      const find = (n) => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.expression.kind === ts.SyntaxKind.ThisKeyword && n.expression.name.text === name) uses.push(n);
        ts.forEachChild(n, find);
      };
      if (cls && name) find(cls);
      if (uses.length === 0 || !uses.every((u) => afterLoadContent(ts, u))) {
        report('lifecycle', sf.fileName, line, 'HAPP-SDK-6 requestEnableNotification before windowStage.loadContent has completed (call it from its callback)');
      }
    }
  }
}
