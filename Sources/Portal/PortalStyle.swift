// The portal's stylesheet (served at /static/portal.css): readable, high-contrast, visible focus.
enum PortalStyle {
    static let source = """
    :root { font-family: system-ui, sans-serif; color: #111; background: #fff; line-height: 1.45; }
    body { max-width: 60rem; margin: 0 auto; padding: 0 1rem 2rem; }
    .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #ffd; padding: .5rem; }
    header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; border-bottom: 2px solid #124; }
    .brand { font-weight: 700; color: #124; } nav ul { list-style: none; display: flex; gap: 1rem; padding: 0; }
    a { color: #0645ad; } a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f90; outline-offset: 2px; }
    button { font: inherit; padding: .4rem .9rem; border: 2px solid #124; background: #124; color: #fff; border-radius: 4px; cursor: pointer; }
    button:disabled { opacity: .6; } input, select { font: inherit; padding: .3rem; border: 1px solid #555; }
    .search { display: flex; flex-wrap: wrap; gap: 0 1.5rem; align-items: end; background: #f3f5f8; padding: .5rem 1rem; }
    .search label { display: block; font-weight: 600; } .help { color: #444; font-size: .9rem; }
    ul.plans { list-style: none; padding: 0; } ul.plans article { border: 1px solid #ccd; border-radius: 6px; padding: .2rem 1rem; margin: 1rem 0; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
    code, output { font-family: ui-monospace, monospace; word-break: break-all; }
    .error { color: #a00; font-weight: 600; } table { border-collapse: collapse; width: 100%; }
    th, td { border-bottom: 1px solid #ccd; padding: .3rem .5rem; text-align: left; } caption { text-align: left; font-weight: 600; }
    footer { margin-top: 2rem; font-size: .85rem; color: #444; border-top: 1px solid #ccd; }
    """
}
