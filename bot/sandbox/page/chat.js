// The sandbox web chat: a small messenger over the sandbox's JSON API and live event stream.
// No framework and no build step. Every text from the bot or a person is put into the page
// with textContent or DOM nodes, never as HTML: resident text is data, not markup.
"use strict";

(() => {
  const TEXTS = JSON.parse(document.getElementById("texts").textContent);
  const LANGUAGE_NAMES = JSON.parse(document.getElementById("language-names").textContent);
  const PAGE_LANGUAGE = document.documentElement.lang;
  const $ = (id) => document.getElementById(id);

  /** A page string from the message catalogue, with {placeholders} filled in. */
  function t(key, params = {}) {
    const template = TEXTS["sandbox_" + key] ?? key;
    return template.replace(/\{(\w+)\}/g, (match, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : match);
  }

  const state = {
    people: [],
    current: null,
    source: null,
    keyboard: null,
    replyTo: null,
    panelTimer: null,
  };

  // ---- talking to the sandbox ------------------------------------------------------------

  class PageError extends Error {
    constructor(code, detail) {
      super(detail || code);
      this.code = code;
      this.detail = detail || "";
    }
  }

  async function api(path, body) {
    const init = { method: body === undefined ? "GET" : "POST", headers: {} };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new PageError("generic", String(error));
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new PageError((data && data.error) || "generic", (data && data.detail) || response.statusText);
    }
    return data;
  }

  function describeError(error) {
    const code = error instanceof PageError ? error.code : "generic";
    const key = "sandbox_error_" + code;
    return TEXTS[key] ? t("error_" + code, { detail: error.detail || "" }) : t("error_generic", { detail: String(error.message || error) });
  }

  function personPath(suffix) {
    return `/api/people/${encodeURIComponent(state.current.key)}/${suffix}`;
  }

  // ---- pop-ups -------------------------------------------------------------------------

  let toastTimer = null;
  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function alertDialog(text) {
    const dialog = $("alert-dialog");
    $("alert-text").textContent = text;
    dialog.showModal();
    $("alert-ok").focus();
  }

  // ---- formatted text (Telegram entities, UTF-16 offsets like JavaScript strings) ----------

  const SAFE_LINK = /^(https?:|tg:)/i;

  function entityElement(entity, text) {
    const tags = {
      bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
      pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span",
    };
    if (entity.type === "text_link" || entity.type === "url") {
      const href = entity.type === "url" ? text : entity.url;
      if (href && SAFE_LINK.test(href)) {
        const link = document.createElement("a");
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        return link;
      }
      return document.createElement("span");
    }
    const element = document.createElement(tags[entity.type] || "span");
    if (entity.type === "spoiler") element.className = "spoiler";
    return element;
  }

  function renderEntities(text, entities, start = 0, end = text.length) {
    const fragment = document.createDocumentFragment();
    const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
    let position = start;
    let index = 0;
    while (index < sorted.length) {
      const entity = sorted[index];
      const entityEnd = entity.offset + entity.length;
      if (entity.offset < position || entityEnd > end) { index += 1; continue; }
      fragment.append(text.slice(position, entity.offset));
      const inner = [];
      index += 1;
      while (index < sorted.length && sorted[index].offset < entityEnd) {
        inner.push(sorted[index]);
        index += 1;
      }
      const element = entityElement(entity, text.slice(entity.offset, entityEnd));
      element.append(renderEntities(text, inner, entity.offset, entityEnd));
      fragment.append(element);
      position = entityEnd;
    }
    fragment.append(text.slice(position, end));
    return fragment;
  }

  // ---- messages --------------------------------------------------------------------------

  const ICONS = {
    file: "M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5L13 3.5zM11 11v5.2l-2.1-2.1-1.4 1.4 4.5 4.5 4.5-4.5-1.4-1.4-2.1 2.1V11h-2z",
    pin: "M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 4a3 3 0 1 1 0 6 3 3 0 0 1 0-6z",
  };

  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function formatSize(bytes) {
    if (bytes === null || bytes === undefined) return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function messageBody(message) {
    const body = document.createElement("div");
    body.className = "body";
    if (message.kind === "photo" && message.file) {
      const image = document.createElement("img");
      image.src = message.file.url;
      image.alt = message.text || t("photo");
      image.className = "photo";
      body.append(image);
    } else if (message.kind === "document" && message.file) {
      const link = document.createElement("a");
      link.href = message.file.url;
      link.download = message.file.name;
      link.className = "file";
      link.setAttribute("aria-label", t("download", { name: message.file.name }));
      const name = document.createElement("span");
      name.className = "file-name";
      name.textContent = message.file.name;
      const size = document.createElement("span");
      size.className = "file-size";
      size.textContent = formatSize(message.file.size);
      link.append(icon("file"), name, size);
      body.append(link);
    } else if (message.kind === "location" && message.location) {
      const line = document.createElement("p");
      line.className = "location";
      const label = document.createElement("span");
      label.textContent = t("location", { latitude: message.location.latitude, longitude: message.location.longitude });
      line.append(icon("pin"), label);
      body.append(line);
    } else if (message.kind === "contact" && message.contact) {
      const line = document.createElement("p");
      line.textContent = t("contact", { phone: message.contact.phone_number });
      body.append(line);
    } else if (message.kind === "sticker") {
      const sticker = document.createElement("p");
      sticker.className = "sticker";
      sticker.textContent = message.text;
      body.append(sticker);
      return body;
    }
    if (message.text) {
      const text = document.createElement("div");
      text.className = "text";
      text.append(renderEntities(message.text, message.entities || []));
      body.append(text);
    }
    return body;
  }

  function inlineButtons(message) {
    const box = document.createElement("div");
    box.className = "inline-buttons";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "button-row";
      for (const button of row) {
        if (button.url) {
          const link = document.createElement("a");
          link.className = "inline-button";
          link.textContent = button.text + " \u2197";
          if (SAFE_LINK.test(button.url)) link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          line.append(link);
          continue;
        }
        const element = document.createElement("button");
        element.type = "button";
        element.className = "inline-button";
        element.textContent = button.text;
        element.addEventListener("click", () => press(message.id, button.text, element));
        line.append(element);
      }
      box.append(line);
    }
    return box;
  }

  function fillMessage(item, message) {
    item.replaceChildren();
    item.className = "message " + (message.mine ? "mine" : message.sender ? "other" : "bot");
    item.dataset.id = String(message.id);
    item.dataset.kind = message.kind;
    if (state.current && state.current.group_title && !message.mine) {
      const sender = document.createElement("p");
      sender.className = "sender";
      sender.textContent = message.sender || t("bot");
      item.append(sender);
    }
    if (message.reply_to) item.append(quote(message.reply_to));
    item.append(messageBody(message));
    if (message.edited) {
      const mark = document.createElement("span");
      mark.className = "edited";
      mark.textContent = t("edited");
      item.append(mark);
    }
    if (message.buttons && message.buttons.length) item.append(inlineButtons(message));
    if (state.current && state.current.group_title) {
      const reply = document.createElement("button");
      reply.type = "button";
      reply.className = "reply-to";
      reply.textContent = t("reply");
      reply.addEventListener("click", () => startReply(message));
      item.append(reply);
    }
  }

  function quote(original) {
    const box = document.createElement("blockquote");
    box.className = "quote";
    const who = document.createElement("span");
    who.className = "quote-sender";
    who.textContent = original.sender || t("bot");
    const text = document.createElement("span");
    text.className = "quote-text";
    text.textContent = original.text;
    box.append(who, text);
    return box;
  }

  // ---- replying to a message (groups; and when the bot asks for a reply) -------------------

  function startReply(message) {
    state.replyTo = { id: message.id, sender: message.sender, text: message.text || "" };
    $("replying-text").textContent = t("replying", {
      name: message.sender || t("bot"),
      text: (message.text || "").split("\n")[0].slice(0, 80),
    });
    $("replying").hidden = false;
    $("composer-input").focus();
  }

  function cancelReply() {
    state.replyTo = null;
    $("replying").hidden = true;
  }

  function nearBottom() {
    const list = $("messages");
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  function scrollDown() {
    const list = $("messages");
    list.scrollTop = list.scrollHeight;
  }

  function findMessage(id) {
    return $("messages").querySelector(`li[data-id="${Number(id)}"]`);
  }

  function addMessage(message) {
    const follow = nearBottom() || message.mine;
    const existing = findMessage(message.id);
    const item = existing || document.createElement("li");
    fillMessage(item, message);
    if (!existing) $("messages").append(item);
    applyKeyboard(message);
    if (message.force_reply) startReply(message);
    $("empty-chat").hidden = true;
    if (follow) scrollDown();
  }

  function editMessage(message) {
    const item = findMessage(message.id);
    if (!item) { addMessage(message); return; }
    const hadFocus = item.contains(document.activeElement);
    fillMessage(item, message);
    applyKeyboard(message);
    if (hadFocus) {
      // keep keyboard users where they were: on the edited message's first button
      const first = item.querySelector("button, a");
      if (first) first.focus(); else $("composer-input").focus();
    }
  }

  function deleteMessage(id) {
    const item = findMessage(id);
    if (!item) return;
    const hadFocus = item.contains(document.activeElement);
    item.remove();
    if (hadFocus) $("composer-input").focus();
  }

  // ---- reply keyboard ------------------------------------------------------------------

  function applyKeyboard(message) {
    if (!message.keyboard) return;
    state.keyboard = message.keyboard.remove ? null : message.keyboard;
    renderKeyboard();
  }

  function renderKeyboard() {
    const box = $("reply-keyboard");
    box.replaceChildren();
    const keyboard = state.keyboard;
    box.hidden = !keyboard;
    $("composer-input").placeholder = (keyboard && keyboard.placeholder) || t("message_placeholder");
    if (!keyboard) return;
    for (const row of keyboard.rows) {
      const line = document.createElement("div");
      line.className = "button-row";
      for (const button of row) {
        const element = document.createElement("button");
        element.type = "button";
        element.className = "reply-button";
        element.textContent = button.text;
        element.addEventListener("click", () => replyPressed(button));
        line.append(element);
      }
      box.append(line);
    }
  }

  async function replyPressed(button) {
    if (state.keyboard && state.keyboard.one_time) {
      state.keyboard = null;
      renderKeyboard();
    }
    if (button.request === "location") { openLocation(); return; }
    try {
      if (button.request === "contact") await api(personPath("contact"), {});
      else await api(personPath("text"), { text: button.text });
    } catch (error) {
      toast(describeError(error));
    }
    $("composer-input").focus();
  }

  // ---- actions ---------------------------------------------------------------------------

  async function press(messageId, text, element) {
    if (element.getAttribute("aria-busy") === "true") return;
    element.setAttribute("aria-busy", "true");
    element.classList.add("pressing");
    try {
      const answer = await api(personPath("press"), { message_id: messageId, text });
      if (!answer.answered) toast(t("no_answer"));
      else if (answer.text && answer.show_alert) alertDialog(answer.text);
      else if (answer.text) toast(answer.text);
    } catch (error) {
      toast(describeError(error));
    } finally {
      element.removeAttribute("aria-busy");
      element.classList.remove("pressing");
    }
  }

  async function sendText(text) {
    if (!state.current || !text.trim()) return;
    const body = { text };
    if (state.replyTo) body.reply_to = state.replyTo.id;
    try {
      await api(personPath("text"), body);
      cancelReply();
      return true;
    } catch (error) {
      toast(describeError(error));
      return false;
    }
  }

  async function sendComposer(event) {
    event.preventDefault();
    const input = $("composer-input");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    if (!(await sendText(text))) input.value = text;
    input.focus();
  }

  async function sendPhoto() {
    const input = $("photo-input");
    const file = input.files && input.files[0];
    input.value = "";
    if (!file || !state.current) return;
    const form = new FormData();
    form.append("photo", file, file.name);
    const caption = $("composer-input").value.trim();
    if (caption) form.append("caption", caption);
    try {
      await api(personPath("photo"), form);
      $("composer-input").value = "";
    } catch (error) {
      toast(describeError(error));
    }
  }

  function openLocation() {
    $("location-dialog").showModal();
    $("latitude").focus();
  }

  async function sendLocation() {
    const latitude = Number($("latitude").value);
    const longitude = Number($("longitude").value);
    $("location-dialog").close();
    try {
      await api(personPath("location"), { latitude, longitude });
    } catch (error) {
      toast(describeError(error));
    }
    $("composer-input").focus();
  }

  // ---- command menu ----------------------------------------------------------------------

  async function toggleMenu() {
    const menu = $("command-menu");
    const button = $("menu-button");
    if (!menu.hidden) { closeMenu(); return; }
    let commands = [];
    try {
      commands = await api(personPath("commands"));
    } catch (error) {
      toast(describeError(error));
      return;
    }
    menu.replaceChildren();
    if (!commands.length) {
      const empty = document.createElement("p");
      empty.textContent = t("no_commands");
      menu.append(empty);
    }
    for (const command of commands) {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "command";
      const name = document.createElement("span");
      name.className = "command-name";
      name.textContent = "/" + command.command;
      const description = document.createElement("span");
      description.className = "command-description";
      description.textContent = command.description;
      item.append(name, " ", description);
      item.addEventListener("click", async () => {
        closeMenu();
        await sendText("/" + command.command);
        $("composer-input").focus();
      });
      menu.append(item);
    }
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const first = menu.querySelector("button");
    if (first) first.focus();
  }

  function closeMenu() {
    $("command-menu").hidden = true;
    $("menu-button").setAttribute("aria-expanded", "false");
  }

  // ---- people ----------------------------------------------------------------------------

  function describePerson(person) {
    const language = LANGUAGE_NAMES[person.language] || person.language;
    if (person.role === "new") return t("role_new", { language });
    if (person.role === "resident") return t("role_resident", { area: person.area || "?", language });
    if (person.role === "partner") return t("role_partner", { name: person.name });
    return t("role_" + person.role);
  }

  function renderPeople() {
    const list = $("people-list");
    list.replaceChildren();
    for (const person of state.people) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "person role-" + person.role;
      button.dataset.key = person.key;
      button.setAttribute("aria-pressed", String(state.current !== null && state.current.key === person.key));
      const name = document.createElement("span");
      name.className = "person-name";
      name.textContent = person.group_title || person.name;
      const note = document.createElement("span");
      note.className = "person-note";
      note.textContent = describePerson(person);
      button.append(name, note);
      button.addEventListener("click", () => choose(person.key));
      item.append(button);
      list.append(item);
    }
  }

  async function loadPeople() {
    state.people = await api("/api/people");
    renderPeople();
  }

  function choose(key) {
    const person = state.people.find((p) => p.key === key) || state.people[0];
    if (!person) return;
    state.current = person;
    if (location.hash !== "#" + person.key) history.replaceState(null, "", "#" + person.key);
    renderPeople();
    $("chat-title").textContent = person.group_title || person.name;
    $("chat-subtitle").textContent = describePerson(person);
    const isGroup = Boolean(person.group_title);
    $("photo-button").hidden = isGroup;
    $("location-button").hidden = isGroup;
    closeMenu();
    cancelReply();
    $("toast").hidden = true;
    connect();
  }

  // ---- live stream -----------------------------------------------------------------------

  function connect() {
    if (state.source) state.source.close();
    $("messages").replaceChildren();
    state.keyboard = null;
    renderKeyboard();
    const source = new EventSource(personPath("stream"));
    state.source = source;
    const read = (handler) => (event) => { if (state.source === source) handler(JSON.parse(event.data)); };
    source.addEventListener("snapshot", read((data) => {
      const list = $("messages");
      list.setAttribute("aria-busy", "true");  // announce new messages, not the whole history
      list.replaceChildren();
      state.keyboard = null;
      renderKeyboard();
      for (const message of data.messages) addMessage(message);
      list.removeAttribute("aria-busy");
      $("empty-chat").hidden = data.messages.length > 0;
      scrollDown();
      document.body.dataset.ready = "true";
    }));
    source.addEventListener("message", read(addMessage));
    source.addEventListener("edit", read(editMessage));
    source.addEventListener("delete", read((data) => deleteMessage(data.id)));
    source.addEventListener("open", () => { $("connection").textContent = ""; });
    source.addEventListener("error", () => {
      if (state.source === source) $("connection").textContent = t("reconnecting");
    });
  }

  // ---- demo panel ------------------------------------------------------------------------

  function renderPanel(panel) {
    $("panel-clock").textContent = t("panel_now", { now: panel.now, zone: panel.zone })
      + (panel.ahead_hours > 0 ? " · " + t("panel_ahead", { hours: panel.ahead_hours }) : "");
    const select = $("panel-survey");
    const chosen = select.value || "community-trust-safety";
    select.replaceChildren();
    for (const survey of panel.surveys) {
      const option = document.createElement("option");
      option.value = survey.key;
      option.textContent = survey.title;
      option.selected = survey.key === chosen;
      select.append(option);
    }
    const rounds = $("panel-rounds");
    rounds.replaceChildren();
    if (!panel.rounds.length) {
      const item = document.createElement("li");
      item.textContent = t("panel_no_rounds");
      rounds.append(item);
    }
    for (const round of panel.rounds) {
      const item = document.createElement("li");
      const status = TEXTS["sandbox_status_" + round.status] ? t("status_" + round.status) : round.status;
      item.textContent = t("panel_round_line", { id: round.id, title: round.title, status })
        + (round.closes ? ", " + t("panel_round_closes", { closes: round.closes }) : "");
      rounds.append(item);
    }
    renderEvents(panel);
  }

  function renderEvents(panel) {
    const events = $("panel-events");
    events.replaceChildren();
    if (!panel.events.length) {
      const item = document.createElement("li");
      item.textContent = t("panel_no_events");
      events.append(item);
    }
    for (const event of panel.events) {
      const item = document.createElement("li");
      item.textContent = t("panel_event_line", event);
      events.append(item);
    }
  }

  async function refreshPanel() {
    try {
      renderPanel(await api(`/api/demo?lang=${encodeURIComponent(PAGE_LANGUAGE)}`));
    } catch (error) {
      $("panel-status").textContent = describeError(error);
    }
  }

  async function openRound() {
    const button = $("panel-open-round");
    button.disabled = true;
    try {
      const result = await api("/api/demo/round", { survey: $("panel-survey").value });
      $("panel-status").textContent = t("panel_round_opened", { round: result.round });
    } catch (error) {
      $("panel-status").textContent = describeError(error);
    } finally {
      button.disabled = false;
    }
    await refreshPanel();
  }

  async function announceEvent() {
    const button = $("panel-announce-event");
    button.disabled = true;
    try {
      const result = await api("/api/demo/event", {});
      $("panel-status").textContent = t("panel_event_announced", { event: result.event });
    } catch (error) {
      $("panel-status").textContent = describeError(error);
    } finally {
      button.disabled = false;
    }
    await refreshPanel();
  }

  async function moveClock(step, button) {
    button.disabled = true;
    try {
      renderPanel(await api(`/api/demo/clock?lang=${encodeURIComponent(PAGE_LANGUAGE)}`, { step }));
      $("panel-status").textContent = t("panel_moved");
    } catch (error) {
      $("panel-status").textContent = describeError(error);
    } finally {
      button.disabled = false;
    }
  }

  function togglePanel() {
    const panel = $("panel");
    const open = !panel.classList.contains("open");
    panel.classList.toggle("open", open);
    $("panel-toggle").setAttribute("aria-expanded", String(open));
    if (open) $("panel-heading").focus();
  }

  // ---- start -----------------------------------------------------------------------------

  function wire() {
    $("composer").addEventListener("submit", sendComposer);
    $("composer-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendComposer(event);
    });
    $("photo-button").addEventListener("click", () => $("photo-input").click());
    $("photo-input").addEventListener("change", sendPhoto);
    $("location-button").addEventListener("click", openLocation);
    $("location-send").addEventListener("click", sendLocation);
    $("location-cancel").addEventListener("click", () => $("location-dialog").close());
    $("alert-ok").addEventListener("click", () => $("alert-dialog").close());
    $("replying-cancel").addEventListener("click", () => { cancelReply(); $("composer-input").focus(); });
    $("menu-button").addEventListener("click", toggleMenu);
    $("command-menu").addEventListener("keydown", (event) => {
      if (event.key === "Escape") { closeMenu(); $("menu-button").focus(); }
    });
    $("new-resident").addEventListener("click", async () => {
      try {
        const person = await api("/api/people", { language: PAGE_LANGUAGE });
        await loadPeople();
        choose(person.key);
        $("composer-input").focus();
      } catch (error) {
        toast(describeError(error));
      }
    });
    $("page-language").addEventListener("change", (event) => {
      const url = new URL(location.href);
      url.searchParams.set("lang", event.target.value);
      location.assign(url.toString());
    });
    $("panel-heading").tabIndex = -1;
    $("panel-toggle").addEventListener("click", togglePanel);
    $("panel").addEventListener("keydown", (event) => {
      if (event.key === "Escape" && $("panel").classList.contains("open")) {
        togglePanel();
        $("panel-toggle").focus();
      }
    });
    $("panel-open-round").addEventListener("click", openRound);
    $("panel-announce-event").addEventListener("click", announceEvent);
    for (const button of document.querySelectorAll(".clock-buttons button")) {
      button.addEventListener("click", () => moveClock(button.dataset.step, button));
    }
  }

  async function start() {
    wire();
    try {
      await loadPeople();
    } catch (error) {
      toast(describeError(error));
      return;
    }
    choose(location.hash.slice(1));
    await refreshPanel();
    state.panelTimer = setInterval(refreshPanel, 5000);
  }

  start();
})();
