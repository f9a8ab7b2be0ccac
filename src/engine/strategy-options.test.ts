import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { optionDefault } from './option-schema.js';
import { strategyOptionLeaves } from './strategy-options.js';

/** Where each shape of `strategy-options.ts` sits in the options object. */
const shapePrefixes: Record<string, string> = {
  strategyShape: '',
  adaptiveShape: 'adaptive.',
  stableChangeRateShape: 'adaptive.stableChangeRate.',
  orderDependentChangeRateShape: 'adaptive.orderDependentChangeRate.',
  changeLimitShape: 'adaptive.changeLimit.',
};

/** Each option's JSDoc by dotted path, read from the source the published types are made from. */
function docsByPath(): Map<string, { text: string; defaultTag?: string }> {
  const file = new URL('./strategy-options.ts', import.meta.url);
  const source = ts.createSourceFile(
    'strategy-options.ts',
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const docs = new Map<string, { text: string; defaultTag?: string }>();
  const visit = (node: ts.Node) => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.initializer &&
      ts.isObjectLiteralExpression(node.initializer)
    ) {
      const prefix = shapePrefixes[node.name.text];
      if (prefix === undefined) return;
      for (const property of node.initializer.properties) {
        if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
        const jsDoc = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc)[0];
        if (jsDoc === undefined) continue;
        const defaultTag = jsDoc.tags?.find((tag) => tag.tagName.text === 'default');
        docs.set(`${prefix}${property.name.text}`, {
          text: ts.getTextOfJSDocComment(jsDoc.comment) ?? '',
          ...(defaultTag === undefined
            ? {}
            : { defaultTag: ts.getTextOfJSDocComment(defaultTag.comment) ?? '' }),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

describe('the strategy options schema', () => {
  it('documents every option, and each documented default is the one the schema applies', () => {
    const docs = docsByPath();
    for (const leaf of strategyOptionLeaves()) {
      const doc = docs.get(leaf.path);
      expect({ path: leaf.path, documented: doc !== undefined }).toEqual({
        path: leaf.path,
        documented: true,
      });
      const applied = optionDefault(leaf.schema);
      if (applied === undefined) continue;
      expect({ path: leaf.path, default: doc!.defaultTag?.replace(/^'(.*)'$/, '$1') }).toEqual({
        path: leaf.path,
        default: String(applied),
      });
    }
  });

  it('groups every option under a help heading and describes it in one line', () => {
    for (const { path, meta } of strategyOptionLeaves()) {
      expect({ path, oneLine: meta.description.length > 0 && !meta.description.includes('\n') }).toEqual({
        path,
        oneLine: true,
      });
    }
  });
});
