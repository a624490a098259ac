package dev.tve.evaluate;

import java.util.List;

/** A titled table of text cells, written as markdown or as HTML. */
public record Table(String title, String note, List<String> header, List<List<String>> rows) {
  public String markdown() {
    StringBuilder b = new StringBuilder("#### ").append(title).append("\n\n");
    if (note != null && !note.isEmpty()) b.append(note).append("\n\n");
    b.append("| ").append(String.join(" | ", header)).append(" |\n|");
    for (int i = 0; i < header.size(); i++) b.append(i == 0 ? "---|" : "---:|");
    b.append('\n');
    for (List<String> r : rows) b.append("| ").append(String.join(" | ", r)).append(" |\n");
    return b.append('\n').toString();
  }

  public String html() {
    StringBuilder b = new StringBuilder("<h4>").append(escape(title)).append("</h4>\n");
    if (note != null && !note.isEmpty()) b.append("<p>").append(escape(note)).append("</p>\n");
    b.append("<table>\n<tr>");
    for (String h : header) b.append("<th>").append(escape(h)).append("</th>");
    b.append("</tr>\n");
    for (List<String> r : rows) {
      b.append("<tr>");
      for (String c : r) b.append("<td>").append(escape(c)).append("</td>");
      b.append("</tr>\n");
    }
    return b.append("</table>\n").toString();
  }

  /** Text for HTML, in element content or a quoted attribute: every value a report shows goes through here. */
  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;").replace("**", "");
  }
}
