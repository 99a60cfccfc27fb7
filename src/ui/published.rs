//! What a published site adds to the page: a sealed site's unlock panel (the passphrase,
//! how long to keep it, what went wrong), the note with the Lock button once it is open,
//! and the files offered with a snapshot (its report's PDF and CSV), opened with the
//! site's key when it is sealed.

use leptos::prelude::*;
use promnote_core::api::replay::{SnapshotEntry, SnapshotIndex};
use promnote_core::api::seal::SealError;

use crate::keep::{self, Keep};
use crate::site::{self, Access, Opener};

/// Where the site's sealed snapshots stand, for the components that need its key.
#[derive(Clone, Copy)]
pub struct SiteAccess(pub RwSignal<Access, LocalStorage>);

/// The unlock panel of a sealed site: one passphrase field, how long to keep it, and
/// Unlock. A passphrase this browser kept for the site is tried at once; `on_open` gets
/// the key, the index and where the passphrase is now kept.
#[component]
pub fn UnlockPanel<F>(access: RwSignal<Access, LocalStorage>, on_open: F) -> impl IntoView
where
    F: Fn(Opener, SnapshotIndex, Result<Keep, String>) + Copy + 'static,
{
    let passphrase = RwSignal::new(String::new());
    let keep_choice = RwSignal::new(Keep::Memory);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    // `kept`: the passphrase is the one this browser kept, not one just typed.
    let attempt = move |typed: String, kept: bool| {
        let Some(sealed) = access.with_untracked(Access::locked) else { return };
        let keep = keep_choice.get_untracked();
        busy.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            // The panel may be gone when this ends (the reader went to the demo): only
            // setting its signals is safe then, reading them is not.
            match site::unlock(&sealed, &typed).await {
                Ok((opener, index)) => {
                    let kept_in = if kept {
                        Ok(keep)
                    } else {
                        keep::save_passphrase(keep, &sealed.address, &typed).map(|()| keep)
                    };
                    busy.set(false);
                    passphrase.set(String::new());
                    on_open(opener, index, kept_in);
                }
                Err(e) if kept && e.is_wrong_passphrase() => {
                    keep::forget_passphrase();
                    keep_choice.set(Keep::Memory);
                    busy.set(false);
                    problem.set(Some(SealError::KeptPassphraseOutdated.to_string()));
                }
                Err(e) => {
                    busy.set(false);
                    problem.set(Some(e.to_string()));
                }
            }
        });
    };
    if let Some(sealed) = access.with_untracked(Access::locked) {
        if let Some((keep, kept)) = keep::load_passphrase(&sealed.address) {
            keep_choice.set(keep);
            attempt(kept, true);
        }
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = passphrase.get_untracked();
        if typed.is_empty() {
            problem.set(Some("Enter the passphrase you were given for this site's reports.".into()));
            return;
        }
        attempt(typed, false);
    };
    let choice = move |keep: Keep, testid: &'static str, label: &'static str| {
        view! {
            <label><input type="radio" name="keep-passphrase" data-testid=testid
                prop:checked=move || keep_choice.get() == keep on:change=move |_| keep_choice.set(keep) />{label}</label>
        }
    };
    view! {
        <section class="unlock no-print" data-testid="unlock" aria-labelledby="unlock-title">
            <h2 id="unlock-title">"Private reports"</h2>
            <p>"This site's reports are private: enter the passphrase you were given to open them."</p>
            <form on:submit=submit autocomplete="off" novalidate>
                <label>
                    <span>"Passphrase"</span>
                    <input type="password" data-testid="passphrase" autocomplete="off" spellcheck="false"
                        prop:disabled=move || busy.get()
                        prop:value=move || passphrase.get()
                        on:input=move |ev| passphrase.set(event_target_value(&ev)) />
                </label>
                <fieldset class="keep">
                    <legend>"Keep the passphrase"</legend>
                    {choice(Keep::Memory, "passphrase-keep-memory", "only in memory (gone on reload)")}
                    {choice(Keep::Tab, "passphrase-keep-tab", "for this tab")}
                    {choice(Keep::Device, "passphrase-keep-device", "on this device")}
                    <Show when=move || keep_choice.get() == Keep::Device>
                        <p class="warning">"The passphrase will be stored unencrypted in this browser profile until you press Lock or Forget token. Anyone who can use this browser, and any script that runs on this page's origin, can read it. Keep it only on a device of your own."</p>
                    </Show>
                </fieldset>
                <div class="actions">
                    <button type="submit" data-testid="unlock-button" prop:disabled=move || busy.get()>
                        {move || if busy.get() { "Opening…" } else { "Unlock" }}
                    </button>
                </div>
            </form>
            {move || problem.get().map(|p| view! { <p class="error" data-testid="unlock-problem" role="alert">{p}</p> })}
        </section>
    }
}

/// Once a sealed site is open: what that means for the passphrase, and Lock, which
/// forgets the key and the kept passphrase and shows the unlock panel again.
#[component]
pub fn Unlocked<L>(access: RwSignal<Access, LocalStorage>, on_lock: L) -> impl IntoView
where
    L: Fn() + Copy + Send + Sync + 'static,
{
    let note = move || {
        access.with(|a| match a {
            Access::Open { kept: Ok(Keep::Memory), .. } => {
                Some("Private reports, open until you reload or press Lock.".to_owned())
            }
            Access::Open { kept: Ok(Keep::Tab), .. } => Some(
                "Private reports, open; the passphrase is kept for this tab until it closes or you press Lock."
                    .to_owned(),
            ),
            Access::Open { kept: Ok(Keep::Device), .. } => Some(
                "Private reports, open; the passphrase is kept on this device until you press Lock.".to_owned(),
            ),
            Access::Open { kept: Err(refused), .. } => {
                Some(format!("Private reports, open until you reload or press Lock. {refused}"))
            }
            Access::Plain | Access::Locked(_) => None,
        })
    };
    view! {
        {move || note().map(|note| view! {
            <p class="unlocked no-print" data-testid="unlocked">
                <span>{note}</span>
                <button type="button" class="secondary" data-testid="lock" on:click=move |_| on_lock()>"Lock"</button>
            </p>
        })}
    }
}

/// What an attachment is, by its file name's extension.
#[derive(Clone, Copy)]
struct Kind {
    extension: &'static str,
    label: &'static str,
    testid: &'static str,
    mime: &'static str,
}

const KINDS: [Kind; 2] = [
    Kind { extension: "pdf", label: "PDF", testid: "attachment-pdf", mime: "application/pdf" },
    Kind { extension: "csv", label: "CSV", testid: "attachment-csv", mime: "text/csv;charset=utf-8" },
];

fn kind(file: &str) -> Option<Kind> {
    let (_, extension) = file.rsplit_once('.')?;
    KINDS.into_iter().find(|k| k.extension.eq_ignore_ascii_case(extension))
}

/// The files offered with a snapshot (`entry`'s attachments: its report's PDF, its CSV),
/// one button each. On a plain site, links to them; on a sealed one, each fetched, opened
/// with the key and saved.
#[component]
pub fn Attachments(entry: SnapshotEntry) -> impl IntoView {
    let access = use_context::<SiteAccess>().map(|SiteAccess(access)| access);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<String>);
    let title = entry.title;
    let files: Vec<(String, Kind)> =
        entry.attachments.into_iter().filter_map(|file| kind(&file).map(|k| (file, k))).collect();
    if files.is_empty() {
        return None;
    }
    let sealed = access.is_some_and(|a| a.with_untracked(Access::is_open));
    let buttons = files
        .into_iter()
        .map(|(file, kind)| {
            let name = crate::download::file_name(&title, kind.extension);
            let text = format!("Download {}", kind.label);
            if !sealed {
                return view! {
                    <a class="button secondary" href=crate::api::published_url(&file) download=name
                        data-testid=kind.testid>{text}</a>
                }
                .into_any();
            }
            let what = format!("The {} of {}", kind.label, title);
            let here = file.clone();
            let save = move |_| {
                let Some(opener) = access.and_then(|a| a.with_untracked(Access::opener)) else {
                    problem.set(Some("This site is locked again: unlock it to download its files.".into()));
                    return;
                };
                let (file, what, name) = (file.clone(), what.clone(), name.clone());
                busy.set(Some(file.clone()));
                problem.set(None);
                leptos::task::spawn_local(async move {
                    let saved = match web_sys::AbortController::new() {
                        Ok(controller) => site::read_sealed(&file, &what, &opener, &controller.signal())
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|bytes| crate::download::save_bytes(&name, kind.mime, &bytes)),
                        Err(_) => Err("This browser cannot fetch files here; use a current browser.".into()),
                    };
                    busy.set(None);
                    if let Err(e) = saved {
                        problem.set(Some(e));
                    }
                });
            };
            view! {
                <button type="button" class="secondary" data-testid=kind.testid
                    prop:disabled=move || busy.with(|b| b.as_deref() == Some(here.as_str()))
                    on:click=save>{text}</button>
            }
            .into_any()
        })
        .collect_view();
    Some(view! {
        <div class="attachments no-print" data-testid="attachments">
            {buttons}
            {move || problem.get().map(|p| view! { <p class="error" data-testid="download-problem" role="alert">{p}</p> })}
        </div>
    })
}

/// A snapshot's dated copies (`promnote snapshot --history`), as links `#/<id>@<day>`;
/// the one shown is marked. Nothing when it has none.
#[component]
pub fn Earlier(entry: SnapshotEntry) -> impl IntoView {
    if entry.earlier().is_empty() {
        return None;
    }
    let SnapshotEntry { id, taken_at_ms: shown, history, .. } = entry;
    let links = history
        .into_iter()
        .map(|dated| {
            let day = dated.day();
            let href = format!("#/{id}@{day}");
            let current = (dated.taken_at_ms == shown).then_some("page");
            view! { <li><a href=href aria-current=current data-testid="earlier-snapshot">{day}</a></li> }
        })
        .collect_view();
    Some(view! {
        <nav class="earlier no-print" aria-label="Earlier snapshots" data-testid="earlier-snapshots">
            <span>"Earlier snapshots: "</span>
            <ul>{links}</ul>
        </nav>
    })
}
