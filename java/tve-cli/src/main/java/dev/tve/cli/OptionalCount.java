package dev.tve.cli;

import java.util.Stack;
import java.util.regex.Pattern;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * An int option whose value may be left out ({@code --verify} or {@code --verify 4}), consuming the next
 * argument only when it is an integer. Picocli's own optional value takes any next argument, so
 * {@code tve explain --verify samples/photos} failed with "not an int" instead of verifying the folder.
 */
final class OptionalCount implements IParameterConsumer {
  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");

  @Override
  public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
    String value = !args.isEmpty() && INTEGER.matcher(args.peek()).matches() ? args.pop() : ((OptionSpec) argSpec).fallbackValue();
    argSpec.setValue(Integer.parseInt(value));
  }
}
