use crate::components::{field_error, form_error, FieldError, FormError, LoadError, TextField};
use crate::queue::{coverage, AddShift, DeleteHoliday, DeleteShift, PutHoliday, SetRoundRobin};
use leptos::prelude::*;
use leptos_meta::Title;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Coverage: the holidays that stop service-level clocks, analysts' shifts per region, and
/// round-robin. Admins only.
#[component]
pub fn CoveragePage() -> impl IntoView {
    let put_holiday = ServerAction::<PutHoliday>::new();
    let delete_holiday = ServerAction::<DeleteHoliday>::new();
    let add_shift = ServerAction::<AddShift>::new();
    let delete_shift = ServerAction::<DeleteShift>::new();
    let round_robin = ServerAction::<SetRoundRobin>::new();
    let page = crate::resource::load(
        move || {
            (
                put_holiday.version().get(),
                delete_holiday.version().get(),
                add_shift.version().get(),
                delete_shift.version().get(),
                round_robin.version().get(),
            )
        },
        |_| coverage(),
    );
    let day_error = field_error(put_holiday, "day");
    let holiday_name_error = field_error(put_holiday, "name");
    let analyst_error = field_error(add_shift, "analyst");
    let weekdays_error = field_error(add_shift, "weekdays");
    let start_error = field_error(add_shift, "start");
    let end_error = field_error(add_shift, "end");
    view! {
        <Title text="Coverage" />
        <h1>"Coverage"</h1>
        <p class="lead">"Service-level clocks run from Sunday 22:00 to Friday 24:00 UTC, except on these holidays. New requests go round-robin to analysts on support hours."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! {
                        <section class="card" aria-labelledby="rr-heading">
                            <h2 id="rr-heading">"Round-robin"</h2>
                            <p>{if p.round_robin { "On: new requests are handed out to analysts on support hours, whoever had one longest ago first." } else { "Off: new requests wait unassigned until an analyst claims them." }}</p>
                            <FormError message=form_error(round_robin) />
                            <ActionForm action=round_robin>
                                <input type="hidden" name="on" value=if p.round_robin { "off" } else { "on" } />
                                <button type="submit" class="btn btn-secondary">{if p.round_robin { "Turn round-robin off" } else { "Turn round-robin on" }}</button>
                            </ActionForm>
                            <p class="small">
                                {if p.on_shift.is_empty() { "Nobody is on shift now.".to_string() } else {
                                    format!("On shift now: {}.", p.on_shift.iter().map(|s| format!("{} ({}, {})", s.name, s.region, s.duty)).collect::<Vec<_>>().join(", "))
                                }}
                            </p>
                        </section>
                        <section class="card" aria-labelledby="shifts-heading">
                            <h2 id="shifts-heading">"Shifts"</h2>
                            {if p.shifts.is_empty() { view! { <p class="muted">"No shifts yet."</p> }.into_any() } else { view! {
                                <table class="grants" aria-label="Shifts">
                                    <thead><tr><th scope="col">"Analyst"</th><th scope="col">"Region"</th><th scope="col">"Hours"</th><th scope="col">"Day"</th><th scope="col">"Time"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                                    <tbody>
                                        {p.shifts.into_iter().map(|s| view! {
                                            <tr>
                                                <td>{s.name.clone()}</td>
                                                <td>{s.region.clone()}</td>
                                                <td>{s.duty.clone()}</td>
                                                <td>{s.weekday.clone()}</td>
                                                <td class="nowrap">{s.hours.clone()}</td>
                                                <td>
                                                    <ActionForm action=delete_shift>
                                                        <input type="hidden" name="id" value=s.id.to_string() />
                                                        <button type="submit" class="btn btn-quiet btn-small">{format!("Remove {} {} {}", s.name, s.weekday, s.hours)}</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any() }}
                            <h3>"Add a shift"</h3>
                            <FormError message=form_error(add_shift) />
                            <ActionForm action=add_shift attr:class="stack" attr:novalidate=true>
                                <div class="field">
                                    <label for="analyst">"Analyst"</label>
                                    <select id="analyst" name="analyst" aria-describedby="analyst-error">
                                        {p.analysts.iter().map(|a| view! { <option value=a.handle.clone()>{a.name.clone()}</option> }).collect_view()}
                                    </select>
                                    <FieldError id="analyst-error" message=analyst_error />
                                </div>
                                <div class="field-row">
                                    <div class="field">
                                        <label for="region">"Region"</label>
                                        <select id="region" name="region">
                                            <option value="amer">"AMER"</option>
                                            <option value="emea">"EMEA"</option>
                                            <option value="japac">"JAPAC"</option>
                                        </select>
                                    </div>
                                    <div class="field">
                                        <label for="duty">"Hours"</label>
                                        <select id="duty" name="duty">
                                            <option value="support">"Support (takes new requests)"</option>
                                            <option value="provisioning">"Provisioning"</option>
                                        </select>
                                    </div>
                                </div>
                                <fieldset class="weekdays" aria-describedby="weekdays-error">
                                    <legend>"Days"</legend>
                                    {WEEKDAYS.iter().enumerate().map(|(i, d)| view! {
                                        <label class="check-row">
                                            <input type="checkbox" name=format!("weekdays[{i}]") checked=i < 5 />
                                            {*d}
                                        </label>
                                    }).collect_view()}
                                    <FieldError id="weekdays-error" message=weekdays_error />
                                </fieldset>
                                <div class="field-row">
                                    <TextField name="start" label="From (UTC)" hint="HH:MM, e.g. 08:00" maxlength=5 error=start_error value="08:00" />
                                    <TextField name="end" label="To (UTC)" hint="HH:MM; 24:00 for midnight" maxlength=5 error=end_error value="16:00" />
                                </div>
                                <button type="submit" class="btn btn-primary">"Add shift"</button>
                            </ActionForm>
                        </section>
                        <section class="card" aria-labelledby="holidays-heading">
                            <h2 id="holidays-heading">"Holidays"</h2>
                            {if p.holidays.is_empty() { view! { <p class="muted">"No holidays yet."</p> }.into_any() } else { view! {
                                <ul class="holiday-list">
                                    {p.holidays.into_iter().map(|(day, name)| view! {
                                        <li>
                                            <span class="nowrap">{day.clone()}</span> " " {name.clone()}
                                            <ActionForm action=delete_holiday attr:class="inline">
                                                <input type="hidden" name="day" value=day.clone() />
                                                <button type="submit" class="btn btn-quiet btn-small">{format!("Remove {day}")}</button>
                                            </ActionForm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any() }}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card" aria-labelledby="holiday-form">
            <h2 id="holiday-form">"Add a holiday"</h2>
            <p class="hint">"A whole UTC day without coverage. Open requests' due times move at once."</p>
            <FormError message=form_error(put_holiday) />
            <ActionForm action=put_holiday attr:class="stack" attr:novalidate=true>
                <TextField name="day" label="Day" input_type="date" error=day_error />
                <TextField name="name" label="Name" maxlength=80 error=holiday_name_error />
                <button type="submit" class="btn btn-primary">"Add holiday"</button>
            </ActionForm>
        </section>
    }
}
