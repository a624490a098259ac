package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CLI's class path (what the launcher's jar lists) never takes in Spark or Scala: only
 * {@code tve spark-explain} starts the Spark module, with its own class path.
 */
class LauncherClasspathTest {
  @Test
  void theCliClassPathHoldsNoSparkOrScalaJar() {
    List<String> spark = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = new File(e).getName();
      if (name.startsWith("spark-") || name.startsWith("scala-") || name.startsWith("tve-spark")) spark.add(name);
    }
    assertThat(spark).isEmpty();
    assertThat(System.getProperty("java.class.path")).contains("tve-core");  // the check looks at the real class path
  }
}
