"""The page at `/`: type a text, see the label, the probabilities and the words coloured by attribution.

It calls the server's own `:predict` and `:explain` endpoints from the browser, so what a person sees is what
an application gets. The coloured words are `lstmcls explain --html`'s page itself (`render_html`, asked for
with `"html": true`), shown in a frame: one look for explanations wherever they appear.
"""

from __future__ import annotations

import html
import json

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; line-height: 1.5; }
textarea { width: 100%; box-sizing: border-box; font: inherit; padding: 0.5rem; }
button { font: inherit; padding: 0.3rem 1.2rem; margin-top: 0.5rem; }
#label { font-weight: bold; }
table.probabilities td { padding: 0 0.5rem; }
.bar { display: inline-block; height: 0.7em; background: #888; }
#error, #note { color: #b2182b; }
iframe { width: 100%; border: 1px solid #ccc; min-height: 12rem; margin-top: 1rem; }
.meta { color: #555; font-size: 0.9rem; }
"""

_SCRIPT = """
const MODEL = __MODEL__, LABELS = __LABELS__;
const $ = (id) => document.getElementById(id);
async function call(verb, body) {
  const response = await fetch(`/v1/models/${encodeURIComponent(MODEL)}:${verb}`, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}
function showPrediction(prediction) {
  $("label").textContent = prediction.labels ? prediction.labels.join(", ") || "(no label)" : prediction.label;
  $("probabilities").replaceChildren(...prediction.probabilities.map((p, i) => {
    const row = document.createElement("tr");
    row.innerHTML = `<td></td><td>${p.toFixed(4)}</td><td><span class="bar" style="width:${p * 10}rem"></span></td>`;
    row.firstChild.textContent = LABELS ? LABELS[i] : `class ${i}`;
    return row;
  }));
}
$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value;
  for (const id of ["error", "note", "label"]) $(id).textContent = "";
  $("probabilities").replaceChildren();
  $("explanation").hidden = true;
  document.body.dataset.state = "busy";
  try {
    showPrediction((await call("predict", {instances: [text]})).predictions[0]);
    $("note").textContent = "explaining…";
    try {
      const explanation = await call("explain", {text: text, html: true});
      $("explanation").srcdoc = explanation.html;
      $("explanation").hidden = false;
      $("note").textContent = "";
    } catch (error) {
      $("note").textContent = `no attributions: ${error.message}`;
    }
  } catch (error) {
    $("error").textContent = error.message;
  }
  document.body.dataset.state = "done";
});
$("explanation").addEventListener("load", () => {
  const frame = $("explanation");
  frame.style.height = `${frame.contentDocument.documentElement.scrollHeight + 20}px`;
});
"""


def render_page(model_name: str, labels: list[str] | None) -> str:
    """The page for one served model; `labels` name the probability columns (None: by index)."""
    constants = {"__MODEL__": _script_json(model_name), "__LABELS__": _script_json(labels)}
    script = _SCRIPT
    for placeholder, value in constants.items():
        script = script.replace(placeholder, value)
    name = html.escape(model_name)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>lstmcls: {name}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>Try the model {name}</h1>\n"
        '<form id="form">\n<textarea id="text" rows="5" placeholder="Type a text to classify"></textarea>\n'
        '<button id="submit" type="submit">Classify</button>\n</form>\n'
        '<p id="error" role="alert"></p>\n<p>Predicted: <span id="label"></span></p>\n'
        '<table class="probabilities" id="probabilities"></table>\n<p id="note" class="meta"></p>\n'
        '<iframe id="explanation" title="Why: the words coloured by attribution" hidden></iframe>\n'
        f'<p class="meta">The same model answers <code>POST /v1/models/{name}:predict</code> '
        '(TensorFlow Serving\'s REST API); see <a href="/metrics">/metrics</a>.</p>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")
